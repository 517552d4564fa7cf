// The architecture text form and shapes (include/widthlab/architecture.h; theory.md §3.9).
#include "widthlab/architecture.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>

#include "widthlab/error.h"

namespace widthlab {

namespace {

constexpr std::int64_t kMaxEntries = std::int64_t(1) << 40;
constexpr const char* kLayerKinds =
    "dense(N), conv(KxK,same|valid|circular,N[,stride=S]), flatten, gap or an activation";

Layer layer_of_kind(LayerKind kind) {
  Layer l;
  l.kind = kind;
  return l;
}

// One line, readable: control bytes become '?'; texts longer than `max` are cut.
std::string printable(std::string_view s, std::size_t max = std::string_view::npos) {
  std::string out;
  for (char c : s.substr(0, max)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  if (s.size() > max) out += "…";
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Splits at '-' outside parentheses that is not followed by a digit or '.' (so "1e-3" stays whole).
std::vector<std::string_view> split_layers(std::string_view text) {
  std::vector<std::string_view> parts;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '(') ++depth;
    if (c == ')' && depth > 0) --depth;
    if (c != '-' || depth > 0) continue;
    const char next = i + 1 < text.size() ? text[i + 1] : ' ';
    if (std::isdigit(static_cast<unsigned char>(next)) || next == '.') continue;
    parts.push_back(text.substr(start, i - start));
    start = i + 1;
  }
  parts.push_back(text.substr(start));
  return parts;
}

std::vector<std::string_view> split_args(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == ',') {
      out.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  return out;
}

// A decimal integer in [lo, hi], or false.
bool parse_int(std::string_view s, std::int64_t lo, std::int64_t hi, std::int64_t* v) {
  s = trim(s);
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s.front()))) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && ptr == s.data() + s.size() && *v >= lo && *v <= hi;
}

// "K" or "AxB" (either factor in [1, hi]) → (a, b), or false.
bool parse_pair(std::string_view s, std::int64_t hi, int* a, int* b) {
  s = trim(s);
  const std::size_t x = s.find_first_of("xX");
  std::int64_t va = 0, vb = 0;
  if (x == std::string_view::npos) {
    if (!parse_int(s, 1, hi, &va)) return false;
    *a = *b = int(va);
    return true;
  }
  if (!parse_int(s.substr(0, x), 1, hi, &va) || !parse_int(s.substr(x + 1), 1, hi, &vb)) return false;
  *a = int(va);
  *b = int(vb);
  return true;
}

struct LayerParser {
  std::size_t index;
  std::string_view token;
  bool allow_sweep_width = false;

  // A layer width: an integer, or "d" (kSweepWidth) where the caller allows the sweep width.
  bool parse_width(std::string_view s, std::int64_t* width) const {
    if (allow_sweep_width && trim(s) == "d") {
      *width = kSweepWidth;
      return true;
    }
    return parse_int(s, 1, kMaxLayerWidth, width);
  }
  std::string width_rule() const {
    return fmt::format("an integer in [1, {}]{}", kMaxLayerWidth, allow_sweep_width ? " or d (the sweep width)" : "");
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(printable(fmt::format("arch layer {} '{}': {}", index, printable(token, 80), what)));
  }

  Layer dense(const std::vector<std::string_view>& args) const {
    Layer l;
    if (args.size() != 1) fail(fmt::format("expected dense(N) with one width, got {} arguments", args.size()));
    if (!parse_width(args[0], &l.width)) fail(fmt::format("width '{}': expected {}", args[0], width_rule()));
    return l;
  }

  Layer conv(const std::vector<std::string_view>& args) const {
    Layer l;
    l.kind = LayerKind::conv;
    if (args.size() != 3 && args.size() != 4)
      fail(fmt::format("expected conv(KHxKW,PADDING,N[,stride=S]), got {} arguments", args.size()));
    if (!parse_pair(args[0], kMaxFilterSize, &l.filter_h, &l.filter_w))
      fail(fmt::format("filter '{}': expected K or KHxKW with integers in [1, {}]", args[0], kMaxFilterSize));
    const std::string pad = lower(args[1]);
    if (pad == "same")
      l.padding = Padding::same;
    else if (pad == "valid")
      l.padding = Padding::valid;
    else if (pad == "circular")
      l.padding = Padding::circular;
    else
      fail(fmt::format("padding '{}': expected same, valid or circular", args[1]));
    if (!parse_width(args[2], &l.width)) fail(fmt::format("channels '{}': expected {}", args[2], width_rule()));
    if (args.size() == 4) {
      const std::string_view s = args[3];
      if (lower(s.substr(0, 7)) != "stride=" || !parse_pair(s.substr(7), kMaxFilterSize, &l.stride_h, &l.stride_w))
        fail(fmt::format("'{}': expected stride=S or stride=SHxSW with integers in [1, {}]", s, kMaxFilterSize));
    }
    return l;
  }

  Layer parse() const {
    const std::size_t open = token.find('(');
    if (open == std::string_view::npos) {
      if (token == "flatten") return layer_of_kind(LayerKind::flatten);
      if (token == "gap") return layer_of_kind(LayerKind::global_avg_pool);
      if (token == "dense" || token == "conv") fail(fmt::format("expected {}(…) with its arguments", token));
      Layer l;
      l.kind = LayerKind::activation;
      try {
        l.act = activation_from_name(token);
      } catch (const InputError& e) {
        fail(fmt::format("expected {} ({})", kLayerKinds, e.what()));
      }
      return l;
    }
    if (token.back() != ')' || token.find('(', open + 1) != std::string_view::npos ||
        token.find(')') != token.size() - 1)
      fail("expected NAME(ARGUMENTS) with one pair of parentheses at the end");
    const std::string_view name = trim(token.substr(0, open));
    const auto args = split_args(token.substr(open + 1, token.size() - open - 2));
    if (name == "dense") return dense(args);
    if (name == "conv") return conv(args);
    fail(fmt::format("'{}(…)': expected {}", name, kLayerKinds));
  }
};

}  // namespace

bool Layer::operator==(const Layer& o) const {
  if (kind != o.kind) return false;
  switch (kind) {
    case LayerKind::dense: return width == o.width;
    case LayerKind::conv:
      return width == o.width && filter_h == o.filter_h && filter_w == o.filter_w && stride_h == o.stride_h &&
             stride_w == o.stride_w && padding == o.padding;
    case LayerKind::activation: return act.name == o.act.name;
    default: return true;
  }
}

const char* padding_name(Padding p) {
  switch (p) {
    case Padding::same: return "same";
    case Padding::valid: return "valid";
    case Padding::circular: return "circular";
  }
  return "?";
}

namespace {
std::string width_text(std::int64_t width) { return width == kSweepWidth ? "d" : std::to_string(width); }
}  // namespace

std::string layer_text(const Layer& l) {
  switch (l.kind) {
    case LayerKind::dense: return fmt::format("dense({})", width_text(l.width));
    case LayerKind::conv: {
      std::string s =
          fmt::format("conv({}x{},{},{}", l.filter_h, l.filter_w, padding_name(l.padding), width_text(l.width));
      if (l.stride_h != 1 || l.stride_w != 1) s += fmt::format(",stride={}x{}", l.stride_h, l.stride_w);
      return s + ")";
    }
    case LayerKind::activation: return l.act.name;
    case LayerKind::flatten: return "flatten";
    case LayerKind::global_avg_pool: return "gap";
  }
  return "?";
}

std::string architecture_text(const Architecture& arch) {
  std::string s;
  for (const Layer& l : arch.layers) s += (s.empty() ? "" : "-") + layer_text(l);
  return s;
}

Architecture parse_architecture(std::string_view text, bool allow_sweep_width) {
  if (trim(text).empty())
    throw InputError("arch '': expected layers separated by '-', e.g. conv(3x3,same,64)-relu-gap-dense(1)");
  const auto parts = split_layers(text);
  if (parts.size() > std::size_t(kMaxLayers))
    throw InputError(fmt::format("arch: {} layers, expected at most {}", parts.size(), kMaxLayers));
  Architecture arch;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const LayerParser p{i + 1, trim(parts[i]), allow_sweep_width};
    if (p.token.empty()) p.fail(fmt::format("empty layer: expected {}", kLayerKinds));
    arch.layers.push_back(p.parse());
  }
  bool any_affine = false;
  for (const Layer& l : arch.layers) any_affine = any_affine || l.affine();
  if (!any_affine)
    throw InputError(
        printable(fmt::format("arch '{}': expected at least one dense or conv layer", printable(text, 80))));
  return arch;
}

ImageShape parse_input_shape(std::string_view text, std::string_view what) {
  const auto parts = split_args(text);
  ImageShape s;
  std::int64_t v[3] = {0, 0, 0};
  bool ok = parts.size() == 3;
  for (std::size_t i = 0; ok && i < 3; ++i) ok = parse_int(parts[i], 1, kMaxEntries, &v[i]);
  ok = ok && v[0] <= kMaxEntries / v[1] && v[0] * v[1] <= kMaxEntries / v[2];
  if (!ok)
    throw InputError(printable(
        fmt::format("{} '{}': expected H,W,C (three integers ≥ 1, product ≤ 2^40)", what, printable(text, 80))));
  s.height = v[0];
  s.width = v[1];
  s.channels = v[2];
  return s;
}

std::int64_t conv_output_size(std::int64_t in, int k, int stride, Padding padding) {
  return padding == Padding::valid ? (in - k + stride) / stride : (in + stride - 1) / stride;
}

std::vector<int> conv_axis_sources(std::int64_t in, int k, int stride, Padding padding, std::int64_t* out) {
  const std::int64_t n = conv_output_size(in, k, stride, padding);
  const std::int64_t total = std::max<std::int64_t>((n - 1) * stride + k - in, 0);
  const std::int64_t before = padding == Padding::valid ? 0 : total / 2;
  std::vector<int> src(std::size_t(std::max<std::int64_t>(n, 0)) * std::size_t(k));
  for (std::int64_t o = 0; o < n; ++o)
    for (int t = 0; t < k; ++t) {
      std::int64_t i = o * stride + t - before;
      if (padding == Padding::circular) i = ((i % in) + in) % in;
      src[std::size_t(o * k + t)] = (i >= 0 && i < in) ? int(i) : -1;
    }
  *out = n;
  return src;
}

bool has_sweep_width(const Architecture& arch) {
  for (const Layer& l : arch.layers)
    if (l.affine() && l.width == kSweepWidth) return true;
  return false;
}

Architecture with_sweep_width(Architecture arch, std::int64_t d) {
  if (d < 1 || d > kMaxLayerWidth)
    throw InputError(fmt::format("width {}: expected an integer in [1, {}]", d, kMaxLayerWidth));
  for (Layer& l : arch.layers)
    if (l.affine() && l.width == kSweepWidth) l.width = d;
  return arch;
}

std::vector<ImageShape> architecture_shapes(const Architecture& arch, const ImageShape& input,
                                            std::int64_t sweep_width) {
  if (input.height < 1 || input.width < 1 || input.channels < 1 || input.height > kMaxEntries / input.width ||
      input.pixels() > kMaxEntries / input.channels)
    throw InputError(fmt::format("input shape ({}, {}, {}): expected positive sizes with at most 2^40 entries",
                                 input.height, input.width, input.channels));
  std::vector<ImageShape> shapes{input};
  for (std::size_t i = 0; i < arch.layers.size(); ++i) {
    const Layer& l = arch.layers[i];
    ImageShape s = shapes.back();
    auto fail = [&](const std::string& what) {
      throw InputError(fmt::format("arch layer {} '{}': {}", i + 1, layer_text(l), what));
    };
    const bool needs_spatial =
        l.kind == LayerKind::conv || l.kind == LayerKind::flatten || l.kind == LayerKind::global_avg_pool;
    const bool is_d = l.affine() && l.width == kSweepWidth;
    if (is_d && sweep_width < 1) fail("the width d is the sweep width and has no value here");
    const std::int64_t width = is_d ? sweep_width : l.width;
    if (needs_spatial && !s.spatial)
      fail("expected a spatial input, but the features were already flattened or pooled");
    if (l.kind == LayerKind::dense) s.channels = width;
    if (l.kind == LayerKind::flatten) s = {1, 1, s.size(), false};
    if (l.kind == LayerKind::global_avg_pool) s = {1, 1, s.channels, false};
    if (l.kind == LayerKind::conv) {
      if (l.padding == Padding::valid && (l.filter_h > s.height || l.filter_w > s.width))
        fail(fmt::format("a valid {}x{} filter does not fit the {}x{} input", l.filter_h, l.filter_w, s.height,
                         s.width));
      s.height = conv_output_size(s.height, l.filter_h, l.stride_h, l.padding);
      s.width = conv_output_size(s.width, l.filter_w, l.stride_w, l.padding);
      s.channels = width;
    }
    if (s.pixels() > kMaxEntries / s.channels) fail("the output would hold more than 2^40 entries");
    shapes.push_back(s);
  }
  return shapes;
}

std::vector<ImageShape> architecture_shapes_to_vector(const Architecture& arch, const ImageShape& input,
                                                      std::int64_t sweep_width) {
  auto shapes = architecture_shapes(arch, input, sweep_width);
  const ImageShape& s = shapes.back();
  if (s.spatial && s.pixels() > 1) {
    std::string channels = std::to_string(s.channels);  // "d" when the last dense / conv layer has the width d
    for (auto l = arch.layers.rbegin(); l != arch.layers.rend(); ++l)
      if (l->affine()) {
        channels = width_text(l->width == kSweepWidth ? kSweepWidth : s.channels);
        break;
      }
    throw InputError(
        fmt::format("arch '{}': the output is {}x{}x{}, expected a vector (end with flatten or gap, then dense layers)",
                    architecture_text(arch), s.height, s.width, channels));
  }
  return shapes;
}

}  // namespace widthlab
