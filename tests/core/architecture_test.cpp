// The architecture text form (architecture.h): parse → value, canonical text round trip, one-line InputErrors that
// name the layer and what was expected, and the shape rules (SAME / VALID / CIRCULAR, strides, flatten, gap).
#include "widthlab/architecture.h"

#include <gtest/gtest.h>

#include "data/test_util.h"

using namespace widthlab;

TEST(Architecture, ParsesTheDocumentedExamples) {
  const Architecture a = parse_architecture("conv(3x3,same,64)-relu-conv(3x3,SAME,64)-relu-gap-dense(1)");
  ASSERT_EQ(a.layers.size(), 6u);
  EXPECT_EQ(a.layers[0].kind, LayerKind::conv);
  EXPECT_EQ(a.layers[0].filter_h, 3);
  EXPECT_EQ(a.layers[0].filter_w, 3);
  EXPECT_EQ(a.layers[0].padding, Padding::same);
  EXPECT_EQ(a.layers[0].width, 64);
  EXPECT_EQ(a.layers[1].kind, LayerKind::activation);
  EXPECT_EQ(a.layers[1].act.kind, ActivationKind::relu);
  EXPECT_EQ(a.layers[4].kind, LayerKind::global_avg_pool);
  EXPECT_EQ(a.layers[5].kind, LayerKind::dense);
  EXPECT_EQ(a.layers[5].width, 1);
  EXPECT_EQ(architecture_text(a), "conv(3x3,same,64)-relu-conv(3x3,same,64)-relu-gap-dense(1)");

  const Architecture b = parse_architecture(" conv(5, valid, 128, stride=2x1) - leaky_relu:1e-3 - flatten-dense(7)");
  EXPECT_EQ(b.layers[0].filter_h, 5);
  EXPECT_EQ(b.layers[0].filter_w, 5);
  EXPECT_EQ(b.layers[0].stride_h, 2);
  EXPECT_EQ(b.layers[0].stride_w, 1);
  EXPECT_EQ(b.layers[0].padding, Padding::valid);
  EXPECT_EQ(b.layers[1].act.kind, ActivationKind::leaky_relu);
  EXPECT_DOUBLE_EQ(b.layers[1].act.param, 1e-3);
  EXPECT_EQ(b.layers[2].kind, LayerKind::flatten);
  EXPECT_EQ(parse_architecture(architecture_text(b)), b);
  EXPECT_EQ(parse_architecture("conv(2x3,circular,4)-erf-flatten-dense(1)").layers[0].padding, Padding::circular);
}

TEST(Architecture, BadTextIsOneLineNamingTheLayer) {
  EXPECT_INPUT_ERROR(parse_architecture(""), "expected layers");
  EXPECT_INPUT_ERROR(parse_architecture("conv(3x3,sam,64)-relu-gap-dense(1)"), "layer 1 'conv(3x3,sam,64)'");
  EXPECT_INPUT_ERROR(parse_architecture("conv(3x3,sam,64)"), "padding 'sam': expected same, valid or circular");
  EXPECT_INPUT_ERROR(parse_architecture("dense(0)"), "width '0'");
  EXPECT_INPUT_ERROR(parse_architecture("dense(-3)"), "width '-3'");
  EXPECT_INPUT_ERROR(parse_architecture("dense(99999999999999999999)"), "expected an integer");
  EXPECT_INPUT_ERROR(parse_architecture("dense(4)-rellu"), "layer 2 'rellu'");
  EXPECT_INPUT_ERROR(parse_architecture("dense(4)--relu"), "layer 2 '': empty layer");
  EXPECT_INPUT_ERROR(parse_architecture("dense"), "expected dense(…)");
  EXPECT_INPUT_ERROR(parse_architecture("conv(3x,same,4)"), "filter '3x'");
  EXPECT_INPUT_ERROR(parse_architecture("conv(3,same)"), "got 2 arguments");
  EXPECT_INPUT_ERROR(parse_architecture("conv(3,same,4,step=2)"), "expected stride=S");
  EXPECT_INPUT_ERROR(parse_architecture("conv(3,same,4,stride=0)"), "stride=0");
  EXPECT_INPUT_ERROR(parse_architecture("pool(2)"), "'pool(…)': expected dense(N)");
  EXPECT_INPUT_ERROR(parse_architecture("dense(3))"), "one pair of parentheses");
  EXPECT_INPUT_ERROR(parse_architecture("relu-flatten"), "at least one dense or conv");
  EXPECT_INPUT_ERROR(parse_architecture(std::string("dense(4)-re\nlu")), "layer 2 're?lu'");
}

// The width word d (a training config's model.arch): parsed only where allowed, printed back as d, no shapes until
// with_sweep_width gives it a value, and then only the d layers change.
TEST(Architecture, SweepWidthWord) {
  const char* text = "conv(3x3,same,d)-relu-conv(3,valid,16)-relu-gap-dense(d)";
  EXPECT_INPUT_ERROR(parse_architecture(text), "channels 'd': expected an integer in [1, 16777216]");
  const Architecture a = parse_architecture(text, true);
  EXPECT_TRUE(has_sweep_width(a));
  EXPECT_EQ(a.layers[0].width, kSweepWidth);
  EXPECT_EQ(architecture_text(a), "conv(3x3,same,d)-relu-conv(3x3,valid,16)-relu-gap-dense(d)");
  EXPECT_EQ(parse_architecture(architecture_text(a), true), a);
  EXPECT_INPUT_ERROR(architecture_shapes(a, {8, 8, 1}), "layer 1 'conv(3x3,same,d)': the width d");
  const Architecture b = with_sweep_width(a, 64);
  EXPECT_FALSE(has_sweep_width(b));
  EXPECT_EQ(architecture_text(b), "conv(3x3,same,64)-relu-conv(3x3,valid,16)-relu-gap-dense(64)");
  EXPECT_EQ(architecture_shapes(b, {8, 8, 1}).back(), (ImageShape{1, 1, 64, false}));
  EXPECT_INPUT_ERROR(with_sweep_width(a, 0), "width 0");
  EXPECT_INPUT_ERROR(parse_architecture("dense(dd)", true), "width 'dd': expected an integer in [1, 16777216] or d");
}

TEST(Architecture, ShapesFollowPaddingAndStride) {
  const ImageShape in{28, 28, 1};
  auto shapes = architecture_shapes(parse_architecture("conv(3,same,8)-relu-conv(3,valid,16)-conv(3,same,4,stride=2)"
                                                       "-conv(4x2,circular,5,stride=3x2)-flatten-dense(10)"),
                                    in);
  EXPECT_EQ(shapes[1], (ImageShape{28, 28, 8}));
  EXPECT_EQ(shapes[3], (ImageShape{26, 26, 16}));
  EXPECT_EQ(shapes[4], (ImageShape{13, 13, 4}));
  EXPECT_EQ(shapes[5], (ImageShape{5, 7, 5}));
  EXPECT_EQ(shapes[6], (ImageShape{1, 1, 175, false}));
  EXPECT_EQ(shapes[7], (ImageShape{1, 1, 10, false}));
  shapes = architecture_shapes(parse_architecture("conv(3,valid,8,stride=2)-gap"), ImageShape{6, 7, 3});
  EXPECT_EQ(shapes[1], (ImageShape{2, 3, 8}));
  EXPECT_EQ(shapes[2], (ImageShape{1, 1, 8, false}));
  // A dense stack on (1, 1, d) is a fully connected net; its 1×1 output is a vector.
  EXPECT_NO_THROW(architecture_shapes_to_vector(parse_architecture("dense(5)-relu-dense(1)"), ImageShape{1, 1, 9}));
}

TEST(Architecture, ShapeErrorsNameTheLayer) {
  EXPECT_INPUT_ERROR(architecture_shapes(parse_architecture("conv(5,valid,2)"), ImageShape{4, 9, 1}),
                     "layer 1 'conv(5x5,valid,2)': a valid 5x5 filter does not fit the 4x9 input");
  EXPECT_INPUT_ERROR(architecture_shapes(parse_architecture("dense(3)-flatten-conv(1,same,2)"), ImageShape{2, 2, 1}),
                     "layer 3 'conv(1x1,same,2)': expected a spatial input");
  EXPECT_INPUT_ERROR(architecture_shapes(parse_architecture("dense(3)-gap-gap"), ImageShape{2, 2, 1}), "layer 3 'gap'");
  EXPECT_INPUT_ERROR(architecture_shapes_to_vector(parse_architecture("conv(3,same,2)-relu"), ImageShape{4, 4, 1}),
                     "the output is 4x4x2, expected a vector");
  EXPECT_INPUT_ERROR(
      architecture_shapes(parse_architecture("dense(16777216)-dense(16777216)"), ImageShape{1 << 20, 1 << 20, 1}),
      "2^40");
  // A width d takes the shape check's sweep width but is named as written (it was printed as the 1 it took).
  const Architecture with_d = parse_architecture("conv(3,valid,d)-relu-conv(40x40,valid,d)-gap", true);
  EXPECT_INPUT_ERROR(architecture_shapes(with_d, ImageShape{28, 28, 1}, 1),
                     "layer 3 'conv(40x40,valid,d)': a valid 40x40 filter does not fit the 26x26 input");
  EXPECT_INPUT_ERROR(architecture_shapes(with_d, ImageShape{28, 28, 1}), "the width d is the sweep width");
  EXPECT_INPUT_ERROR(architecture_shapes_to_vector(parse_architecture("conv(3,same,d)", true), ImageShape{4, 4, 1}, 7),
                     "arch 'conv(3x3,same,d)': the output is 4x4xd, expected a vector");
  EXPECT_EQ(architecture_shapes(parse_architecture("conv(3,same,d)-gap", true), ImageShape{4, 4, 1}, 7).back(),
            (ImageShape{1, 1, 7, false}));
}

TEST(Architecture, ConvAxisSourcesMatchLaxPadding) {
  std::int64_t n = 0;
  // SAME, in 5, k 3, stride 2: out 3, total pad (3−1)·2 + 3 − 5 = 2, one before.
  auto src = conv_axis_sources(5, 3, 2, Padding::same, &n);
  EXPECT_EQ(n, 3);
  EXPECT_EQ(src, (std::vector<int>{-1, 0, 1, 1, 2, 3, 3, 4, -1}));
  src = conv_axis_sources(5, 3, 2, Padding::circular, &n);
  EXPECT_EQ(src, (std::vector<int>{4, 0, 1, 1, 2, 3, 3, 4, 0}));
  src = conv_axis_sources(5, 3, 2, Padding::valid, &n);
  EXPECT_EQ(n, 2);
  EXPECT_EQ(src, (std::vector<int>{0, 1, 2, 2, 3, 4}));
  // SAME with an even filter: total 1, zero before, one after (lax).
  src = conv_axis_sources(3, 2, 1, Padding::same, &n);
  EXPECT_EQ(src, (std::vector<int>{0, 1, 1, 2, 2, -1}));
}

TEST(Architecture, InputShapeText) {
  EXPECT_EQ(parse_input_shape("28,28,1", "--input-shape"), (ImageShape{28, 28, 1}));
  EXPECT_EQ(parse_input_shape(" 3, 4 ,5", "--input-shape"), (ImageShape{3, 4, 5}));
  EXPECT_INPUT_ERROR(parse_input_shape("28,28", "--input-shape"), "--input-shape '28,28': expected H,W,C");
  EXPECT_INPUT_ERROR(parse_input_shape("28,0,1", "--input-shape"), "expected H,W,C");
  EXPECT_INPUT_ERROR(parse_input_shape("1048576,1048576,2", "--input-shape"), "2^40");
}
