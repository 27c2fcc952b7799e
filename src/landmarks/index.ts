// Public surface of the landmark-based descriptor (paper §3.3): alignment, regions, Farneback flow,
// the 72-d per-frame descriptor, landmark providers and overlays. Re-exports only, browser-safe
// (PNG overlays and the face-api provider's Node loading are in src/node/index.ts).
export type { FlowField, Frame, GrayImage, LandmarkInput, NumericArray, Point2, SimilarityTransform } from './types.js';
export {
  ALIGN_ANCHORS,
  HEAD_MOTION_POINTS,
  LANDMARK_MIRROR,
  mirrorLandmarks,
  TEMPLATE_68,
  templateLandmarks,
} from './template.js';
export {
  alignFace,
  applyTransform,
  fitSimilarity,
  invertTransform,
  type AlignedFace,
  type AlignOptions,
} from './align.js';
export { frameChannels, frameFromStrided, toGray, warpGray, type WarpedCrop, type WarpOptions } from './warp.js';
export {
  faceRegions,
  REGION_COUNT,
  REGION_MIRROR_PAIRS,
  REGION_NAMES,
  regionLabelMap,
  type LabelMap,
  type RegionOptions,
} from './regions.js';
export { farneback, FarnebackWorkspace, type FarnebackOptions } from './farneback.js';
export { polyExpKernel, polynomialExpansion, type PolyExpKernel } from './polynomial-expansion.js';
export { correctHeadMotion, type Affine, type HeadMotionOptions } from './head-motion.js';
export {
  describeFlow,
  describeVideo,
  describeVideoAsync,
  descriptorSize,
  DescriptorStream,
  landmarkDescriptor,
  type DescriptorDetails,
  type DescriptorOptions,
  type FrameDescriptor,
  type FramePair,
  type LandmarkProvider,
  type RegionFeatureOptions,
  type RegionFeatures,
  type StreamOptions,
  type VideoDescriptor,
  type VideoOptions,
} from './descriptor.js';
export { mediapipeTo68, type MediapipeOptions } from './providers/mediapipe.js';
export {
  createFaceApiProvider,
  type DetectedFace,
  type FaceApiProvider,
  type FaceApiProviderOptions,
  type FaceApiStats,
  detectorSizes,
} from './providers/face-api.js';
export { drawDescriptorOverlay, type OverlayInput, type OverlayOptions, type RgbaImage } from './overlay.js';
export { NoFaceError, fillTrackGaps, flattenLandmarks } from './track.js';
export { describeValue } from './errors.js';
