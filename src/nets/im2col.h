// The patch matrix of a convolution and its adjoint (private to the nets module; conv_net.h, theory.md §3.9).
//
// im2col writes, for each of `samples` inputs (rows of in.H·in.W·C_in values, C fastest) and each output pixel
// (oh, ow) in row-major order, one row of KH·KW·C_in values ordered (kh, kw, c_in) with c_in fastest: the input at
// (src_h[oh·KH + kh], src_w[ow·KW + kw]), or 0 where a source is −1 (zero padding). Circular padding is already
// folded into the sources by conv_axis_sources. col2im_add is its transpose: it adds every row's entries back onto
// the input positions they were copied from (taps that overlap accumulate), skipping padding.
#pragma once
#include "widthlab/conv_net.h"

namespace widthlab {

// col: (samples · P_out) × (KH·KW·C_in), row-major.
template <class T>
void im2col(const ConvStep& s, const T* in, int samples, T* col);

// in_grad (samples × in.size()) += the adjoint of im2col applied to col.
template <class T>
void col2im_add(const ConvStep& s, const T* col, int samples, T* in_grad);

}  // namespace widthlab
