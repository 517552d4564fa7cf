// Host side of the empirical NTK on the GPU (empirical_ntk_cuda.h): the CPU path's checks and layer weights, the net
// uploaded as a CudaMlp, the device work in empirical_ntk_cuda.cu.
#include "widthlab/empirical_ntk_cuda.h"

#include "widthlab/device.h"
#include "widthlab/mlp_cuda.h"

#if WIDTHLAB_HAVE_CUDA
#include "kernels/empirical_ntk_cuda_device.h"
#endif

namespace widthlab {

Matrix<float> empirical_ntk_cuda(const Mlp<float>& net, const Matrix<float>& X1,
                                 const std::type_identity_t<Matrix<float>>* X2, const EmpiricalNtkOptions& opts) {
  empirical_ntk_check_inputs(net, X1, "X1");
  if (X2) empirical_ntk_check_inputs(net, *X2, "X2");
  const std::vector<double> cw = empirical_ntk_layer_weights(net, opts);
  require_cuda("empirical NTK on the GPU");
  Matrix<float> out(X1.rows(), X2 ? X2->rows() : X1.rows());
#if WIDTHLAB_HAVE_CUDA
  const CudaMlp gpu(net);
  cuda_detail::empirical_ntk_device(gpu.device_net(), X1.data(), int(X1.rows()), X2 ? X2->data() : nullptr,
                                    X2 ? int(X2->rows()) : 0, cw.data(), opts.output, out.data());
#endif
  return out;
}

}  // namespace widthlab
