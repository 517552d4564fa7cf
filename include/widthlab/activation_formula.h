// The activation formulas φ(z) and φ'(z) in double (activation.h's registry names them), as functions that compile
// for the host and, under nvcc, for the device: Activation::value / derivative and the CUDA dense net
// (src/nets/mlp_cuda.cu) evaluate exactly these expressions. An activation is one case in each switch here, its
// registry row in src/core/activation.cpp and the other places architecture.md §9 lists.
#pragma once
#include <math.h>

#include "widthlab/host_device.h"

namespace widthlab {

enum class ActivationKind { identity, relu, leaky_relu, abs, erf, tanh, gelu, sigmoid, softplus, sin };

namespace activation_formula {

constexpr double kInvSqrtPi = 0.5641895835477563;  // 1/√π
constexpr double kInvSqrt2 = 0.7071067811865476;

// 1/(1+e^−z) without overflow for large |z|.
WIDTHLAB_HOST_DEVICE double sigmoid(double z) { return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z)); }

// φ(z); `param` is leaky_relu's slope on the negative side (unused otherwise).
WIDTHLAB_HOST_DEVICE double value(ActivationKind kind, double param, double z) {
  switch (kind) {
    case ActivationKind::identity: return z;
    case ActivationKind::relu: return z > 0 ? z : 0.0;
    case ActivationKind::leaky_relu: return z > 0 ? z : param * z;
    case ActivationKind::abs: return fabs(z);
    case ActivationKind::erf: return erf(z);
    case ActivationKind::tanh: return tanh(z);
    case ActivationKind::gelu: return 0.5 * z * (1.0 + erf(z * kInvSqrt2));
    case ActivationKind::sigmoid: return sigmoid(z);
    case ActivationKind::softplus: return z > 30 ? z : log1p(exp(z));
    case ActivationKind::sin: return sin(z);
  }
  return NAN;  // not reached: every kind has a case (-Werror=switch); an invalid cast is loud
}

// φ'(z) (abs: 0 at 0; relu and leaky_relu: the left derivative at 0).
WIDTHLAB_HOST_DEVICE double derivative(ActivationKind kind, double param, double z) {
  switch (kind) {
    case ActivationKind::identity: return 1.0;
    case ActivationKind::relu: return z > 0 ? 1.0 : 0.0;
    case ActivationKind::leaky_relu: return z > 0 ? 1.0 : param;
    case ActivationKind::abs: return z > 0 ? 1.0 : (z < 0 ? -1.0 : 0.0);
    case ActivationKind::erf: return 2.0 * kInvSqrtPi * exp(-z * z);
    case ActivationKind::tanh: {
      const double t = tanh(z);
      return 1.0 - t * t;
    }
    case ActivationKind::gelu: return 0.5 * (1.0 + erf(z * kInvSqrt2)) + z * kInvSqrtPi * kInvSqrt2 * exp(-0.5 * z * z);
    case ActivationKind::sigmoid: {
      const double s = sigmoid(z);
      return s * (1.0 - s);
    }
    case ActivationKind::softplus: return sigmoid(z);
    case ActivationKind::sin: return cos(z);
  }
  return NAN;  // not reached: every kind has a case (-Werror=switch); an invalid cast is loud
}

// φ(z) and φ'(z) together, equal to value() and derivative() bit for bit, with one transcendental call where the two
// share it (tanh, sigmoid, gelu's erf): the quadrature duals evaluate both at every node (src/kernels/dual.cpp).
WIDTHLAB_HOST_DEVICE void value_and_derivative(ActivationKind kind, double param, double z, double& f, double& d) {
  switch (kind) {
    case ActivationKind::tanh: {
      const double t = tanh(z);
      f = t;
      d = 1.0 - t * t;
      return;
    }
    case ActivationKind::sigmoid: {
      const double s = sigmoid(z);
      f = s;
      d = s * (1.0 - s);
      return;
    }
    case ActivationKind::gelu: {
      const double e = erf(z * kInvSqrt2);
      f = 0.5 * z * (1.0 + e);
      d = 0.5 * (1.0 + e) + z * kInvSqrtPi * kInvSqrt2 * exp(-0.5 * z * z);
      return;
    }
    default:
      f = value(kind, param, z);
      d = derivative(kind, param, z);
      return;
  }
}

}  // namespace activation_formula
}  // namespace widthlab
