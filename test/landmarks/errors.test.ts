// Bad input: wrong data length for width×height, landmarks that are not 68 points, non-finite
// coordinates. Each must raise an Error naming the function, the argument, expected and actual.
import { describe, expect, it } from 'vitest';
import { alignFace, fitSimilarity } from '../../src/landmarks/align.js';
import { describeVideo, landmarkDescriptor } from '../../src/landmarks/descriptor.js';
import { farneback } from '../../src/landmarks/farneback.js';
import { drawDescriptorOverlay } from '../../src/landmarks/overlay.js';
import { faceRegions, regionLabelMap } from '../../src/landmarks/regions.js';
import { templateLandmarks } from '../../src/landmarks/template.js';
import { warpGray } from '../../src/landmarks/warp.js';

const lm = templateLandmarks(128);
const frame = { width: 4, height: 3, data: new Uint8Array(48) };

describe('bad input', () => {
  it('wrong data length for width x height', () => {
    const img = { width: 8, height: 8, data: new Uint8Array(64) };
    expect(() => farneback({ width: 8, height: 8, data: new Uint8Array(63) }, img)).toThrow(
      'farneback: prev.data.length expected 64 (width 8 x height 8, one channel), got 63',
    );
    expect(() => farneback(img, { width: 8, height: 9, data: new Uint8Array(72) })).toThrow(
      'farneback: next expected size 8x8 (same as prev), got 8x9',
    );
    expect(() => warpGray({ width: 4, height: 3, data: new Uint8Array(47) }, { a: 1, b: 0, tx: 0, ty: 0 }, 8)).toThrow(
      'warpGray: frame.data.length expected 12, 36 or 48 (4x3 gray, RGB or RGBA), got 47',
    );
    expect(() =>
      warpGray({ width: 4, height: 3, data: new Uint8Array(36), channels: 4 }, { a: 1, b: 0, tx: 0, ty: 0 }, 8),
    ).toThrow('warpGray: frame.data.length expected 48 (4x3x4), got 36');
    expect(() =>
      landmarkDescriptor({ prev: frame, next: { width: 4, height: 3, data: new Uint8Array(5) }, landmarks: lm }),
    ).toThrow(/landmarkDescriptor: pair\.next\.data\.length expected 12, 36 or 48 .*got 5/);
    expect(() => describeVideo([frame, { width: 4, height: 3.5, data: new Uint8Array(48) }], [lm, lm])).toThrow(
      'describeVideo: frames[1].width/height expected positive integers, got 4 x 3.5',
    );
    expect(() => drawDescriptorOverlay({ image: { width: 2, height: 2, data: [1, 2, 3] } })).toThrow(
      'drawDescriptorOverlay: input.image.data.length expected 4 (width 2 x height 2, one channel), got 3',
    );
  });

  it('landmarks that are not 68 points', () => {
    expect(() => alignFace(lm.slice(0, 67))).toThrow('alignFace: landmarks68.length expected 68 points, got 67 points');
    expect(() => faceRegions(lm.slice(0, 5))).toThrow('faceRegions: landmarks.length expected 68 points, got 5 points');
    expect(() => landmarkDescriptor({ prev: frame, next: frame, landmarks: lm.slice(0, 66) })).toThrow(
      'landmarkDescriptor: pair.landmarks.length expected 68 points, got 66 points',
    );
    expect(() => describeVideo([frame, frame], [lm, lm.slice(1)])).toThrow(
      'describeVideo: landmarks[1].length expected 68 points, got 67 points',
    );
    expect(() => describeVideo([frame, frame], [lm])).toThrow(
      'describeVideo: landmarks.length expected 2 (one entry per frame, null for no face), got 1',
    );
    expect(() => alignFace(null as never)).toThrow('alignFace: landmarks68 expected an array of 68 points, got null');
  });

  it('non-finite landmark coordinates', () => {
    const bad = lm.map((p, i) => (i === 30 ? { x: Number.NaN, y: p.y } : p));
    expect(() => alignFace(bad)).toThrow('alignFace: landmarks68[30] expected finite x and y, got (NaN, ');
    const inf = lm.map((p, i) => (i === 3 ? { x: p.x, y: Infinity } : p));
    expect(() => faceRegions(inf)).toThrow(/faceRegions: landmarks\[3\] expected finite x and y, got \(.*, Infinity\)/);
    expect(() => describeVideo([frame], [inf])).toThrow(/describeVideo: landmarks\[0\]\[3\] expected finite x and y/);
    expect(() =>
      fitSimilarity(
        [
          [0, 0],
          [1, Number.NaN],
        ],
        [
          [0, 0],
          [1, 1],
        ],
      ),
    ).toThrow('fitSimilarity: src[1] expected finite x and y, got (1, NaN)');
  });

  it('bad options name the option', () => {
    const img = { width: 8, height: 8, data: new Uint8Array(64) };
    expect(() => farneback(img, img, { pyrScale: 1.2 })).toThrow(
      'farneback: options.pyrScale expected a number in (0, 1), got 1.2',
    );
    expect(() => farneback(img, img, { levels: -1 })).toThrow(
      'farneback: options.levels expected an integer >= 0, got -1',
    );
    expect(() => regionLabelMap([], 0)).toThrow(
      'regionLabelMap: size.width/height expected positive integers, got 0 x 0',
    );
  });
});
