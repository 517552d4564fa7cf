// A network architecture as data (issue 19; theory.md §3.9): a list of layers applied to (H, W, C) images, with
// neural-tangents' stax semantics. It is what `widthlab kernel --arch` and `widthlab.kernel(arch=…)` take, and what
// a finite convolutional net will be built from.
//
// Layers:
//   dense(N)                 N output units on the channel axis (per pixel when the input is still spatial, i.e. a
//                            1×1 convolution; on a flattened / pooled input the ordinary fully connected layer)
//   conv(KHxKW,PAD,N[,stride=SH[xSW]])
//                            2-D convolution with a KH×KW filter (`K` alone is K×K), N output channels, padding
//                            PAD = same | valid | circular (case-insensitive), stride 1 by default
//   an activation name       from the activation registry (activation.h): relu, erf, leaky_relu:0.1, …
//   flatten                  (H, W, C) → (H·W·C) non-spatial features
//   gap                      global average pool: (H, W, C) → (C), the mean over pixels
// Text form: the layers separated by '-', e.g.
//   conv(3x3,same,64)-relu-conv(3x3,same,64)-relu-gap-dense(1)
//   conv(5,valid,128,stride=2)-erf-flatten-dense(512)-relu-dense(1)
//   dense(512)-relu-dense(512)-relu-dense(1)              (a fully connected net on (1, 1, d) inputs)
// A '-' inside parentheses or in front of a digit (as in "leaky_relu:1e-3") belongs to its layer. Spaces around
// layers and arguments are ignored. `parse_architecture` returns the value or throws one InputError line naming the
// layer (position and text) and what was expected; `architecture_text` writes the canonical form, which parses back
// to an equal Architecture.
//
// An architecture with a width d has no shapes until d has a value (with_sweep_width, or the shape functions'
// sweep_width, which keeps the layers' text as written: "conv(40x40,valid,d)").
// Shapes (`architecture_shapes`): SAME and CIRCULAR give ⌈H/s⌉ output rows, VALID ⌈(H−K+1)/s⌉; SAME pads with zeros,
// ⌊(total)/2⌋ before and the rest after (total = max((out−1)·s + K − H, 0)), CIRCULAR pads the same amounts by
// wrapping (lax / neural-tangents conventions). conv, flatten and gap need a spatial input; an architecture must
// contain a dense or conv layer.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "widthlab/activation.h"

namespace widthlab {

enum class LayerKind { dense, conv, activation, flatten, global_avg_pool };
enum class Padding { same, valid, circular };

struct Layer {
  LayerKind kind = LayerKind::dense;
  std::int64_t width = 1;  // dense: output units; conv: output channels
  int filter_h = 1, filter_w = 1, stride_h = 1, stride_w = 1;
  Padding padding = Padding::valid;
  Activation act;  // activation layers only

  bool affine() const { return kind == LayerKind::dense || kind == LayerKind::conv; }
  bool operator==(const Layer& o) const;
};

struct Architecture {
  std::vector<Layer> layers;
  bool operator==(const Architecture& o) const { return layers == o.layers; }
};

// The bounds the parser enforces (a text form is user input; the fuzzer holds the parser to them).
inline constexpr std::int64_t kMaxLayerWidth = std::int64_t(1) << 24;
inline constexpr int kMaxFilterSize = 4096;
inline constexpr int kMaxLayers = 10000;

// The width word `d` (a training config's model.arch, theory.md §3.9): every dense / conv layer written with width d
// gets the sweep width, so the scalings' exponents apply to its channel count. Stored as width kSweepWidth.
inline constexpr std::int64_t kSweepWidth = 0;

// Throws InputError ("arch layer 3 'conv(3x3,sam,64)': padding 'sam': expected same, valid or circular").
// allow_sweep_width: a width may also be written `d` (kSweepWidth); the kernels' architectures take numbers only.
Architecture parse_architecture(std::string_view text, bool allow_sweep_width = false);
// True when some dense / conv layer has the width d; with_sweep_width gives those layers width d (1 ≤ d ≤
// kMaxLayerWidth, InputError otherwise).
bool has_sweep_width(const Architecture& arch);
Architecture with_sweep_width(Architecture arch, std::int64_t d);
std::string architecture_text(const Architecture& arch);
std::string layer_text(const Layer& layer);
const char* padding_name(Padding p);

// An image shape; `spatial` = false after flatten / gap (then height = width = 1 and `channels` counts features).
struct ImageShape {
  std::int64_t height = 1, width = 1, channels = 1;
  bool spatial = true;
  std::int64_t pixels() const { return height * width; }
  std::int64_t size() const { return height * width * channels; }
  bool operator==(const ImageShape& o) const {
    return height == o.height && width == o.width && channels == o.channels && spatial == o.spatial;
  }
};

// "H,W,C" (three integers ≥ 1, product ≤ 2^40) → a spatial shape; InputError naming `what` (e.g. "--input-shape").
ImageShape parse_input_shape(std::string_view text, std::string_view what);

// Output size along one axis of `in` positions, filter k, stride (architecture.h header comment).
std::int64_t conv_output_size(std::int64_t in, int k, int stride, Padding padding);

// One row of a convolution's index map along one axis: for output position o and filter tap t, the input position
// or −1 when it falls in the zero padding. Size out·K, tap-major within each output position.
std::vector<int> conv_axis_sources(std::int64_t in, int k, int stride, Padding padding, std::int64_t* out);

// The shapes after each layer (size layers.size() + 1, [0] = input). InputError naming the layer when a layer
// cannot apply (conv / flatten / gap on a non-spatial input, a VALID filter larger than its input, a shape over
// 2^40 entries) or when `input` is invalid. Layers of width d take `sweep_width` (an error when it is below 1).
std::vector<ImageShape> architecture_shapes(const Architecture& arch, const ImageShape& input,
                                            std::int64_t sweep_width = 0);

// The shapes, and an InputError unless the output is a vector: non-spatial, or a single pixel (1×1). This is what the
// kernels need (one output covariance per pair of inputs).
std::vector<ImageShape> architecture_shapes_to_vector(const Architecture& arch, const ImageShape& input,
                                                      std::int64_t sweep_width = 0);

}  // namespace widthlab
