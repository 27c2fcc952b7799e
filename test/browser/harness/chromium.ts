// Launching Chromium for the browser tests and bench: where the binary is, the flags every run
// uses (no sandbox, no background traffic, a fresh profile), and the optional flag sets for
// WebGPU and for a machine with a real GPU. Owns the temporary profile dir.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** The Chromium binary: $CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const HAS_CHROMIUM = fs.existsSync(CHROMIUM_PATH);

export const CHROMIUM_SKIP = `browser tests skipped: no Chromium at ${CHROMIUM_PATH} (install Debian's chromium or set CHROMIUM_PATH)`;

/** Flags of every run. */
export const BASE_FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** WebGPU in headless Chromium: without this flag `requestAdapter()` resolves null. */
export const WEBGPU_FLAGS = ['--enable-unsafe-webgpu'];

/** For a machine with a real GPU and Vulkan driver (Linux): ANGLE and Dawn on Vulkan, no blocklist. */
export const REAL_GPU_FLAGS = [
  '--use-angle=vulkan',
  '--enable-features=Vulkan,VulkanFromANGLE,DefaultANGLEVulkan',
  '--ignore-gpu-blocklist',
  '--enable-gpu-rasterization',
];

export interface LaunchOptions {
  /** Add WEBGPU_FLAGS (default true). */
  webgpu?: boolean;
  /** Add REAL_GPU_FLAGS (default false). */
  realGpu?: boolean;
  /** More flags, appended last. */
  extraFlags?: readonly string[];
  /** Headless (default true). */
  headless?: boolean;
}

export interface Launched {
  context: BrowserContext;
  flags: string[];
  close(): Promise<void>;
}

/** Starts Chromium with a fresh profile; `close` stops it and deletes the profile. */
export async function launchChromium(o: LaunchOptions = {}): Promise<Launched> {
  const flags = [
    ...BASE_FLAGS,
    ...(o.webgpu === false ? [] : WEBGPU_FLAGS),
    ...(o.realGpu ? REAL_GPU_FLAGS : []),
    ...(o.extraFlags ?? []),
  ];
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'plm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: o.headless ?? true,
    args: flags,
  });
  return {
    context,
    flags,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
