// The width sweep and lr grid the transfer tests share: 5 doublings from 128, and 10 lrs over 3 decades from 0.01
// (grid step h = ln(10) / 3 in log lr).
#pragma once
#include <cmath>
#include <vector>

namespace widthlab::transfer_test {

inline const std::vector<int> kWidths = {128, 256, 512, 1024, 2048};

inline std::vector<double> lr_grid() {
  std::vector<double> lrs;
  for (int i = 0; i < 10; ++i) lrs.push_back(0.01 * std::pow(10.0, i / 3.0));
  return lrs;
}

}  // namespace widthlab::transfer_test
