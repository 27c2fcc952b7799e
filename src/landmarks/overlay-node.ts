// The descriptor overlay as PNG bytes and as a file (Node only: pngjs, node:fs through the atomic
// writer); the rasterising is ./overlay.ts, which stays browser-safe. Exported from `plm-ipe/node`.
import { drawDescriptorOverlay, type OverlayInput, type OverlayOptions } from './overlay.js';

/**
 * The overlay of {@link drawDescriptorOverlay} as PNG bytes (encoded with pngjs, loaded on first use).
 *
 * @example
 * ```ts
 * const d = landmarkDescriptor({ prev, next, landmarks }, { keepDetails: true });
 * const png = await renderDescriptorOverlay({
 *   image: d.details!.prevCrop, polygons: d.details!.polygons, flow: d.details!.flow, values: d.values,
 * });
 * ```
 */
export async function renderDescriptorOverlay(input: OverlayInput, options: OverlayOptions = {}): Promise<Uint8Array> {
  const rgba = drawDescriptorOverlay(input, options);
  const mod = await import('pngjs');
  const PNG =
    (mod as { PNG?: typeof import('pngjs').PNG }).PNG ??
    (mod as unknown as { default: typeof import('pngjs') }).default.PNG;
  const png = new PNG({ width: rgba.width, height: rgba.height });
  png.data.set(rgba.data);
  return new Uint8Array(PNG.sync.write(png));
}

/** Node helper: renders the overlay and writes it to `path` atomically. */
export async function writeDescriptorOverlay(
  path: string,
  input: OverlayInput,
  options: OverlayOptions = {},
): Promise<void> {
  const bytes = await renderDescriptorOverlay(input, options);
  const { writeFileAtomic } = await import('../io/atomic-write.js');
  await writeFileAtomic(path, bytes);
}
