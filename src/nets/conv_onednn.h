// oneDNN convolutions for ConvNet<float> (private to the nets module; conv_net.h "Implementation", issue 19).
//
// A conv step with s.onednn set is one oneDNN convolution per pass: forward (convolution_forward with the bias and,
// when α ≠ 1, an eltwise_linear(α) post-op, so z = α(θ ⋆ x + b) in one primitive), backward data (diff_src, then
// × α) and backward weights (+ bias). Activations are used in place: ConvNet's per-sample (pixel, channel) layout is
// oneDNN's nhwc. Above 256 input and output channels, forward and backward data run on oneDNN's blocked layout
// instead (2× faster at 512 on this machine; conv_onednn.cpp, kNhwcChannels), with the activations reordered in and
// out through buffers the cache owns. Weights use the formats oneDNN picks (format `any`): θ (C_out × KH·KW·C_in,
// c_in fastest = ohwi) is reordered into them before each forward and backward-data call, and the weight gradient
// back to ohwi — KH·KW·C_in·C_out values each, 5–25 ms at C = 512, next to seconds of convolution (plain ohwi
// weights make Debian's oneDNN 2.6 fall back to its reference kernels, tens of times slower).
//
// Primitives are created per (layer, row count, thread count, α, bias) and kept in the workspace's ConvOnednnCache;
// make_workspace creates those for its capacity, so a training step on full batches creates no primitive and no
// buffer of widthlab's (the scratchpad is the cache's; oneDNN itself still allocates small bookkeeping per call).
// Every call sets the calling thread's OpenMP thread count to blas_threads() first: oneDNN uses as many threads as
// OpenBLAS, and with the same count its results are identical run to run.
#pragma once
#include "widthlab/conv_net.h"

namespace widthlab::conv_onednn {

// Whether oneDNN has a non-reference float32 implementation of the step's forward, backward data and backward
// weights (checked on one sample when the net is built). false when built without oneDNN or for CIRCULAR padding,
// which oneDNN does not have; such layers stay on im2col.
bool supports(const ConvStep& s, Padding padding, float alpha, bool bias);

// Creates the step's primitives for `rows` samples at the current thread count unless the slot has them.
void prepare(const ConvStep& s, int rows, float alpha, bool bias, ConvOnednnSlot& slot);

// z (rows × out.size()) = α (θ ⋆ in + b); b = nullptr without bias.
void forward(const ConvStep& s, const float* in, int rows, const float* w, const float* b, float alpha, float* z,
             ConvOnednnSlot& slot);

// gin (rows × in.size()) = α · (the adjoint of θ ⋆ · applied to g); overwrites gin.
void backward_data(const ConvStep& s, const float* g, int rows, const float* w, float alpha, bool bias, float* gin,
                   ConvOnednnSlot& slot);

// With G = Σ δᵀ·patch over samples and pixels (C_out × KH·KW·C_in, ohwi) and g_b = Σ δ: sgd false → dw = scale·G,
// db = scale·g_b; sgd true → dw += scale·G, db += scale·g_b. db = nullptr without bias. `alpha` only selects the
// cached primitives (the forward's).
void backward_weights(const ConvStep& s, const float* in, const float* g, int rows, float alpha, float scale, bool sgd,
                      float* dw, float* db, ConvOnednnSlot& slot);

}  // namespace widthlab::conv_onednn
