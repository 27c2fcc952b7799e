// The overlay: PNG bytes that decode to the enlarged crop with regions and arrows drawn on it.
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { landmarkDescriptor } from '../../src/landmarks/descriptor.js';
import { renderDescriptorOverlay } from '../../src/landmarks/overlay-node.js';
import { faceFrame, faceLandmarks, makeTexture, regionMask } from './helpers.js';

describe('renderDescriptorOverlay', () => {
  it('returns a PNG of the enlarged crop with the regions and flow drawn', async () => {
    const texture = makeTexture(11);
    const prev = faceFrame({ texture });
    const next = faceFrame({ texture, mask: regionMask(26), shift: { x: -0.6, y: -0.6 } });
    const d = landmarkDescriptor({ prev, next, landmarks: faceLandmarks() }, { keepDetails: true });
    const details = d.details!;
    const png = await renderDescriptorOverlay(
      { image: details.prevCrop, polygons: details.polygons, flow: details.flow, values: d.values },
      { scale: 3 },
    );
    expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const img = PNG.sync.read(Buffer.from(png));
    expect(img.width).toBe(384);
    expect(img.height).toBe(384);
    // Colour (non-gray) pixels exist where regions and arrows are drawn.
    let coloured = 0;
    for (let i = 0; i < img.data.length; i += 4)
      if (img.data[i] !== img.data[i + 1] || img.data[i + 1] !== img.data[i + 2]) coloured++;
    expect(coloured).toBeGreaterThan(384 * 384 * 0.2);
  });
});
