// Determinism of the draw: see philox.h.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include "plan/orthogonal.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "plan/sample_stream.h"

namespace surgeon {
namespace {

// The normal draw, m x k with m >= k: a(i, j) = sample[i*k + j], the
// samples in the stream's order (TF draws the matrix row-major).
Eigen::MatrixXd NormalMatrix(uint64_t key, int64_t m, int64_t k) {
  Eigen::MatrixXd a(m, k);
  const Stream<true> stream{key};
  const int64_t total = m * k;
  for (int64_t s = 0; s < total; s += 2) {
    double z[2];
    stream.Normal(static_cast<uint64_t>(s / 2), z);
    for (int64_t t = s; t < std::min(total, s + 2); ++t) a(t / k, t % k) = z[t - s];
  }
  return a;
}

}  // namespace

// init_ops.py Orthogonal: a = normal(rows x cols) with rows >= cols (the
// transposed shape when the tensor is wide), q, r = qr(a), q *= sign(diag(r)),
// transpose back, reshape, times gain. Multiplying by sign(diag(r)) makes Q
// unique, so Eigen's Householder QR gives TF's matrix whatever sign
// convention its reflectors use. Its kernels may round the last bit of a
// double differently across SIMD widths and Eigen versions; float32 and
// narrower outputs are rounded far above that.
BadValue FillOrthogonal(FloatFormat format, double gain, uint64_t key, int64_t rows, int64_t cols, uint8_t* out) {
  const int64_t m = std::max(rows, cols), k = std::min(rows, cols);
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(NormalMatrix(key, m, k));
  const Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(m, k);
  const Eigen::VectorXd diag = qr.matrixQR().diagonal();
  const int size = FloatFormatSize(format);
  BadValue bad;
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      // Tall: out(i, j) = q(i, j) * sign(r_jj); wide: out = (q * sign)^T.
      const int64_t qi = rows >= cols ? i : j, qj = rows >= cols ? j : i;
      const double sign = diag(qj) < 0 ? -1.0 : 1.0;
      const double v = q(qi, qj) * sign * gain;
      const int64_t idx = i * cols + j;
      if (!StoreFloat(v, format, out + idx * size) && bad.index < 0) bad = {idx, v};
      if (!std::isfinite(v) && bad.index < 0) bad = {idx, v};
    }
  }
  return bad;
}

}  // namespace surgeon
