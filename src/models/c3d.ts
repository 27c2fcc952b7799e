// C3D, the 3D ConvNet of Tran et al. (2015) as section 4.2 of the paper configures it: the
// backbone of the pixel-based estimator (eq. 1). It owns the layer layout, the configuration
// (paper default, or width/clip/input scaled down for CPUs) and its validated geometry.
// Imports only the tensor and layers API, never a backend.
import { pool3dGeometry, type Pool3dOptions } from '../tensor/geometry.js';
import { dropout } from '../tensor/ops/dropout.js';
import { fmt } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { randn, zeros } from '../tensor/creation.js';
import { Module } from '../layers/module.js';
import { Conv3d } from '../layers/conv3d.js';
import { Linear } from '../layers/linear.js';

/** The configuration of a {@link C3D}. Every field defaults to the paper's value. */
export interface C3DConfig {
  /** Channel and fc width multiplier: 1 is the paper's 64..512 channels and 4096-d fc layers. */
  width: number;
  /** Frames per clip, l in eq. 1 (16). */
  clipLength: number;
  /** Frame size `[height, width]` in pixels (112 x 112). */
  inputSize: [number, number];
  /** Input channels, c (3, RGB). */
  inChannels: number;
  /**
   * How many of pool2..pool5 halve time (4). Clips shorter than 16 frames run out of frames
   * before pool5; then the last pools keep a temporal kernel and stride of 1.
   */
  temporalPools: number;
  /** Dropout after fc6 and fc7 in training mode (0.5). */
  dropout: number;
  /**
   * Weight initialisation when training from scratch: `'pytorch'` (default) is PyTorch's layer
   * default, U(±1/sqrt(fan_in)) for weights and biases (variance 1/(3·fan_in), so activations
   * shrink about sqrt(6) per ReLU layer; harmless when a checkpoint is loaded over it);
   * `'kaiming'` is He et al.'s N(0, 2/fan_in) for every conv and fc weight with zero biases,
   * which keeps the activation scale through the 10 layers, so a small C3D trains from scratch.
   */
  init: 'pytorch' | 'kaiming';
}

/** Options of the {@link C3D} constructor: any subset of {@link C3DConfig}; `inputSize` may be one number. */
export type C3DOptions = Partial<Omit<C3DConfig, 'inputSize'>> & { inputSize?: number | readonly [number, number] };

/** The paper's C3D configuration (section 4.2). */
export const PAPER_C3D_CONFIG: Readonly<C3DConfig> = Object.freeze({
  width: 1,
  clipLength: 16,
  inputSize: [112, 112] as [number, number],
  inChannels: 3,
  temporalPools: 4,
  dropout: 0.5,
  init: 'pytorch' as const,
});

/** The shapes through a C3D of one configuration, per clip (batch dim left out). */
export interface C3DGeometry {
  readonly config: Readonly<C3DConfig>;
  /** Output channels of conv1, conv2, conv3a/b, conv4a/b, conv5a/b. */
  readonly channels: { conv1: number; conv2: number; conv3: number; conv4: number; conv5: number };
  /** `[C, D, H, W]` after each pooling layer. */
  readonly pooled: { pool1: number[]; pool2: number[]; pool3: number[]; pool4: number[]; pool5: number[] };
  /** fc6's input size: the flattened pool5 output (8192 in the paper). */
  readonly fc6In: number;
  /** fc6 and fc7 width, which is also the feature size f^P (4096 in the paper). */
  readonly featureSize: number;
}

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
    throw new Error(`C3D: ${name} must be a positive integer, got ${String(v)}`);
  return v;
}

/** Fills defaults and validates the field types of a C3D configuration. */
export function resolveC3DConfig(options: C3DOptions = {}): C3DConfig {
  const width = options.width ?? PAPER_C3D_CONFIG.width;
  if (typeof width !== 'number' || !Number.isFinite(width) || width <= 0)
    throw new Error(`C3D: width must be a positive number, got ${String(width)}`);
  const size = options.inputSize ?? PAPER_C3D_CONFIG.inputSize;
  const inputSize: [number, number] = typeof size === 'number' ? [size, size] : [size[0], size[1]];
  if (typeof size !== 'number' && (!Array.isArray(size) || size.length !== 2)) {
    throw new Error(`C3D: inputSize must be a number or [height, width], got ${JSON.stringify(size)}`);
  }
  positiveInt('inputSize height', inputSize[0]);
  positiveInt('inputSize width', inputSize[1]);
  const temporalPools = options.temporalPools ?? PAPER_C3D_CONFIG.temporalPools;
  if (!Number.isInteger(temporalPools) || temporalPools < 0 || temporalPools > 4) {
    throw new Error(
      `C3D: temporalPools must be an integer in [0, 4] (how many of pool2..pool5 halve time), got ${temporalPools}`,
    );
  }
  const p = options.dropout ?? PAPER_C3D_CONFIG.dropout;
  if (!(p >= 0 && p < 1)) throw new Error(`C3D: dropout must be in [0, 1), got ${p}`);
  const init = options.init ?? PAPER_C3D_CONFIG.init;
  if (init !== 'pytorch' && init !== 'kaiming')
    throw new Error(`C3D: init must be 'pytorch' or 'kaiming', got ${String(init)}`);
  return {
    width,
    clipLength: positiveInt('clipLength', options.clipLength ?? PAPER_C3D_CONFIG.clipLength),
    inputSize,
    inChannels: positiveInt('inChannels', options.inChannels ?? PAPER_C3D_CONFIG.inChannels),
    temporalPools,
    dropout: p,
    init,
  };
}

/** The five pooling layers of a configuration: pool1 (1,2,2); pool2..5 (2,2,2), time kept where `temporalPools` runs out; pool5 pads H and W by 1. */
export function c3dPools(config: C3DConfig): Record<'pool1' | 'pool2' | 'pool3' | 'pool4' | 'pool5', Pool3dOptions> {
  const t = (i: number) => (i < config.temporalPools ? 2 : 1); // i = 0 for pool2
  return {
    pool1: { kernelSize: [1, 2, 2], stride: [1, 2, 2] },
    pool2: { kernelSize: [t(0), 2, 2], stride: [t(0), 2, 2] },
    pool3: { kernelSize: [t(1), 2, 2], stride: [t(1), 2, 2] },
    pool4: { kernelSize: [t(2), 2, 2], stride: [t(2), 2, 2] },
    pool5: { kernelSize: [t(3), 2, 2], stride: [t(3), 2, 2], padding: [0, 1, 1] },
  };
}

/**
 * Shapes through C3D for a configuration, without allocating or running anything; throws a
 * message naming the layer, the shape reaching it and what to change when the clip does not fit.
 * @example
 * c3dGeometry().fc6In;   // 8192 (512 x 1 x 4 x 4 after pool5)
 * c3dGeometry({ width: 1 / 16, clipLength: 8, inputSize: 32, temporalPools: 3 }).featureSize; // 256
 */
export function c3dGeometry(options: C3DOptions = {}): C3DGeometry {
  const config = resolveC3DConfig(options);
  const ch = (base: number) => Math.max(1, Math.round(base * config.width));
  const channels = { conv1: ch(64), conv2: ch(128), conv3: ch(256), conv4: ch(512), conv5: ch(512) };
  const pools = c3dPools(config);
  const stageChannels = [channels.conv1, channels.conv2, channels.conv3, channels.conv4, channels.conv5];
  // 3x3x3 convolutions with stride 1 and padding 1 keep D, H and W; only the pools shrink them.
  let dims = [config.clipLength, config.inputSize[0], config.inputSize[1]];
  const pooled: Record<string, number[]> = {};
  (['pool1', 'pool2', 'pool3', 'pool4', 'pool5'] as const).forEach((name, i) => {
    const c = stageChannels[i];
    try {
      const g = pool3dGeometry([1, c, ...dims], pools[name], `C3D ${name}`);
      dims = [g.outD, g.outH, g.outW];
    } catch (err) {
      throw new Error(
        `C3D: clips of ${config.clipLength} frames of ${config.inputSize[0]}x${config.inputSize[1]} pixels do not fit the network: ` +
          `${name} gets [${c}, ${dims.join(', ')}] (${(err as Error).message}). ` +
          `Use clipLength >= ${2 ** config.temporalPools} (or fewer temporalPools) and an inputSize >= 16.`,
      );
    }
    pooled[name] = [c, ...dims];
  });
  const fc6In = pooled.pool5.reduce((a, b) => a * b, 1);
  return Object.freeze({
    config: Object.freeze(config),
    channels,
    pooled: pooled as unknown as C3DGeometry['pooled'],
    fc6In,
    featureSize: ch(4096),
  });
}

/**
 * The C3D backbone: 8 convolutions (3x3x3, stride 1, padding 1, ReLU), 5 max pools, fc6 and fc7
 * (ReLU, dropout). Module names match the PyTorch C3D Sports-1M checkpoint (DavideA/c3d-pytorch's
 * `c3d.pickle`, fc8 dropped), so `loadC3DWeights` loads that file as is (docs/models.md).
 * `forward` returns fc7 features, f^P of eq. 1.
 * @example
 * const c3d = new C3D();                                     // paper: [N, 3, 16, 112, 112] -> [N, 4096]
 * const tiny = new C3D({ width: 1 / 16, clipLength: 8, inputSize: 32, temporalPools: 3 });
 * const f = tiny.forward(randn([2, 3, 8, 32, 32]));          // [2, 256]
 */
export class C3D extends Module {
  readonly config: Readonly<C3DConfig>;
  readonly geometry: C3DGeometry;
  readonly conv1: Conv3d;
  readonly conv2: Conv3d;
  readonly conv3a: Conv3d;
  readonly conv3b: Conv3d;
  readonly conv4a: Conv3d;
  readonly conv4b: Conv3d;
  readonly conv5a: Conv3d;
  readonly conv5b: Conv3d;
  readonly fc6: Linear;
  readonly fc7: Linear;
  private readonly pools: ReturnType<typeof c3dPools>;

  constructor(options: C3DOptions = {}) {
    super();
    this.geometry = c3dGeometry(options);
    this.config = this.geometry.config;
    const c = this.geometry.channels;
    const conv = (name: string, i: number, o: number) => this.registerModule(name, new Conv3d(i, o, 3, { padding: 1 }));
    this.conv1 = conv('conv1', this.config.inChannels, c.conv1);
    this.conv2 = conv('conv2', c.conv1, c.conv2);
    this.conv3a = conv('conv3a', c.conv2, c.conv3);
    this.conv3b = conv('conv3b', c.conv3, c.conv3);
    this.conv4a = conv('conv4a', c.conv3, c.conv4);
    this.conv4b = conv('conv4b', c.conv4, c.conv4);
    this.conv5a = conv('conv5a', c.conv4, c.conv5);
    this.conv5b = conv('conv5b', c.conv5, c.conv5);
    this.fc6 = this.registerModule('fc6', new Linear(this.geometry.fc6In, this.geometry.featureSize));
    this.fc7 = this.registerModule('fc7', new Linear(this.geometry.featureSize, this.geometry.featureSize));
    this.pools = c3dPools(this.config);
    if (this.config.init === 'kaiming') this.kaimingInit();
  }

  /** He (fan_in, ReLU gain sqrt 2) normal weights and zero biases for every conv and fc layer, from the seeded generator. */
  private kaimingInit(): void {
    const state: Record<string, Tensor> = {};
    for (const [name, p] of this.namedParameters()) {
      const fanIn = p.shape.slice(1).reduce((a, b) => a * b, 1);
      state[name] = name.endsWith('.bias') ? zeros(p.shape) : randn(p.shape).mul(Math.sqrt(2 / fanIn));
    }
    this.loadStateDict(state);
    for (const t of Object.values(state)) t.dispose();
  }

  /** The size of the features `forward` returns (4096 x width). */
  get featureSize(): number {
    return this.geometry.featureSize;
  }

  /** The clip shape this network takes, batch dim left out: `[C, L, H, W]`. */
  get clipShape(): [number, number, number, number] {
    const { inChannels, clipLength, inputSize } = this.config;
    return [inChannels, clipLength, inputSize[0], inputSize[1]];
  }

  /** Checks `x` is `[N, C, L, H, W]` for this configuration; the message names both shapes. */
  checkClips(x: Tensor, op = 'C3D'): void {
    const want = this.clipShape;
    if (x.rank !== 5 || want.some((d, i) => x.shape[i + 1] !== d)) {
      throw new Error(`${op}: clips must be [N, ${want.join(', ')}] for this C3D configuration, got ${fmt(x.shape)}`);
    }
  }

  /** Clips `[N, C, L, H, W]` to fc7 features `[N, featureSize]` (after ReLU and, in training, dropout). */
  forward(x: Tensor): Tensor {
    this.checkClips(x);
    const p = this.pools;
    let h = x;
    // Without a graph (inference, noGrad, frozen layers) no op saved the previous activation, so it
    // is freed as soon as the next layer has read it: the peak holds about two layers' activations.
    const then = (layer: (t: Tensor) => Tensor): void => {
      const y = layer(h);
      if (h !== x && !y.requiresGrad) h.dispose();
      h = y;
    };
    then((t) => this.conv1.forwardReluMaxPool(t, p.pool1));
    then((t) => this.conv2.forwardReluMaxPool(t, p.pool2));
    for (const [a, b, pool] of [
      [this.conv3a, this.conv3b, p.pool3],
      [this.conv4a, this.conv4b, p.pool4],
      [this.conv5a, this.conv5b, p.pool5],
    ] as const) {
      then((t) => a.forwardRelu(t));
      then((t) => b.forwardReluMaxPool(t, pool));
    }
    then((t) => t.reshape([t.shape[0], this.geometry.fc6In])); // NCDHW flatten, as PyTorch's view(-1, 8192)
    then((t) => dropout(this.fc6.forward(t).relu(), this.config.dropout, this.training));
    then((t) => dropout(this.fc7.forward(t).relu(), this.config.dropout, this.training));
    return h;
  }

  protected override describe(): string {
    const { width, clipLength, inputSize } = this.config;
    return `C3D(width=${width}, clip=${clipLength}x${inputSize.join('x')}, features=${this.featureSize})`;
  }
}
