/* The spectral contrastive loss of speclin.h from C99: loss and both gradients against a naive
 * float64 loop (with and without mu, both negative sets, every algorithm), the gradient against
 * central differences of the loss, and every argument check. */
#include "check.h"

enum { B = 37, K = 6 };

/* The reference: the loss and its gradient with respect to the unclipped rows. */
static double reference(const double* Z, const double* W, double mu, int all, double* gz, double* gw) {
  double zh[B * K], wh[B * K], sz[B], sw[B], gzh[B * K], gwh[B * K];
  const double m = mu > 0 ? mu : 1.0, r = sqrt(m);
  for (int i = 0; i < B; i++) {
    double nz = 0, nw = 0;
    for (int q = 0; q < K; q++) nz += Z[i * K + q] * Z[i * K + q], nw += W[i * K + q] * W[i * K + q];
    nz = sqrt(nz), nw = sqrt(nw);
    sz[i] = mu > 0 && !(nz < r) ? r / nz : 1.0;
    sw[i] = mu > 0 && !(nw < r) ? r / nw : 1.0;
    for (int q = 0; q < K; q++) zh[i * K + q] = Z[i * K + q] * sz[i], wh[i * K + q] = W[i * K + q] * sw[i];
  }
  const double c = all ? 1.0 / ((double)B * B) : 1.0 / ((double)B * (B - 1));
  double loss = 0;
  memset(gzh, 0, sizeof gzh);
  memset(gwh, 0, sizeof gwh);
  for (int i = 0; i < B; i++)
    for (int j = 0; j < B; j++) {
      double s = 0;
      for (int q = 0; q < K; q++) s += zh[i * K + q] * wh[j * K + q];
      double coef = 0;
      if (i == j) loss += -2.0 / B * s, coef += -2.0 / B;
      if (all || i != j) loss += c * s * s, coef += 2 * c * s;
      for (int q = 0; q < K; q++) gzh[i * K + q] += coef * wh[j * K + q], gwh[j * K + q] += coef * zh[i * K + q];
    }
  /* Back through the clipping: z^ = r z / |z| has Jacobian (r/|z|)(I - u u^T). */
  for (int i = 0; i < B; i++) {
    double dz = 0, dw = 0, nz2 = 0, nw2 = 0;
    for (int q = 0; q < K; q++) {
      dz += gzh[i * K + q] * Z[i * K + q], nz2 += Z[i * K + q] * Z[i * K + q];
      dw += gwh[i * K + q] * W[i * K + q], nw2 += W[i * K + q] * W[i * K + q];
    }
    for (int q = 0; q < K; q++) {
      gz[i * K + q] = sz[i] * (gzh[i * K + q] - (sz[i] < 1 ? dz / nz2 * Z[i * K + q] : 0)) / m;
      gw[i * K + q] = sw[i] * (gwh[i * K + q] - (sw[i] < 1 ? dw / nw2 * W[i * K + q] : 0)) / m;
    }
  }
  return loss / m;
}

int main(void) {
  static double Z[B * K], W[B * K], gz[B * K], gw[B * K], rz[B * K], rw[B * K];
  static float Zf[B * K], Wf[B * K], gzf[B * K], gwf[B * K];
  for (int i = 0; i < B * K; i++) {
    /* Rows of norm about 0.3 to 1.5: with mu = 0.5 some are clipped, some not. */
    double scale = 0.3 + 1.2 * (double)(i / K % 5) / 4.0;
    Zf[i] = (float)(uniform() * scale), Wf[i] = (float)(uniform() * scale);
    Z[i] = Zf[i], W[i] = Wf[i];
  }
  const double mus[2] = {0.0, 0.5};
  const speclin_loss_algorithm algorithms[3] = {SPECLIN_LOSS_AUTO, SPECLIN_LOSS_GRAM, SPECLIN_LOSS_PAIRWISE};
  for (int mi = 0; mi < 2; mi++)
    for (int all = 0; all < 2; all++)
      for (int a = 0; a < 3; a++) {
        speclin_loss_options o = {mus[mi], all ? SPECLIN_NEGATIVES_ALL : SPECLIN_NEGATIVES_OFFDIAGONAL, algorithms[a]};
        speclin_loss_result r;
        const double want = reference(Z, W, mus[mi], all, rz, rw);
        /* float64: sums of B^2 = 1369 terms, each exact to 1e-16: 1e-12 relative is safe. */
        CHECK_OK(speclin_dspectral_loss(Z, W, B, K, &o, gz, gw, &r));
        CHECK_NEAR(fabs(r.loss - want) / fabs(want), 1e-12, "dspectral_loss loss");
        CHECK_NEAR(fabs(r.positive + r.negative - r.loss), 1e-12, "positive + negative");
        CHECK_NEAR(error_of(gz, rz, B * K), 1e-12, "dspectral_loss grad_z");
        CHECK_NEAR(error_of(gw, rw, B * K), 1e-12, "dspectral_loss grad_w");
        CHECK(mus[mi] > 0 ? r.clipped_z > 0 && r.clipped_z < B : r.clipped_z == 0, "clipped_z = %zu", r.clipped_z);
        if (a != 0) CHECK(r.algorithm == algorithms[a], "algorithm %d ran, %d asked", (int)r.algorithm, (int)algorithms[a]);
        /* float32 storage, float64 scalar sums: products of K = 6 terms in float32 (~1e-7 each);
         * 1e-5 relative leaves a margin of 100 over that and fails any wrong term. */
        CHECK_OK(speclin_sspectral_loss(Zf, Wf, B, K, &o, gzf, gwf, &r));
        CHECK_NEAR(fabs(r.loss - want) / fabs(want), 1e-5, "sspectral_loss loss");
        CHECK_NEAR(error_of_f(gzf, rz, B * K), 1e-5, "sspectral_loss grad_z");
        CHECK_NEAR(error_of_f(gwf, rw, B * K), 1e-5, "sspectral_loss grad_w");
        /* The loss without the gradient is the same number. */
        speclin_loss_result r2;
        CHECK_OK(speclin_dspectral_loss(Z, W, B, K, &o, NULL, NULL, &r2));
        CHECK_NEAR(fabs(r2.loss - want) / fabs(want), 1e-12, "loss without gradient");
      }
  /* Central differences of the library's own loss: h = 1e-6 gives O(h^2) = 1e-12 truncation and
   * about 1e-16 / 1e-6 = 1e-10 rounding; 1e-6 absolute is a wide margin. */
  {
    speclin_loss_options o = {0.5, SPECLIN_NEGATIVES_OFFDIAGONAL, SPECLIN_LOSS_AUTO};
    speclin_loss_result r, rp, rm;
    CHECK_OK(speclin_dspectral_loss(Z, W, B, K, &o, gz, gw, &r));
    for (int t = 0; t < B * K; t += 17) {
      const double h = 1e-6, z0 = Z[t];
      Z[t] = z0 + h;
      CHECK_OK(speclin_dspectral_loss(Z, W, B, K, &o, NULL, NULL, &rp));
      Z[t] = z0 - h;
      CHECK_OK(speclin_dspectral_loss(Z, W, B, K, &o, NULL, NULL, &rm));
      Z[t] = z0;
      CHECK_NEAR(fabs((rp.loss - rm.loss) / (2 * h) - gz[t]), 1e-6, "finite difference of the loss in Z");
    }
  }
  /* Defaults: options NULL is no mu, off-diagonal. */
  {
    speclin_loss_result r;
    CHECK_OK(speclin_dspectral_loss(Z, W, B, K, NULL, NULL, NULL, &r));
    CHECK_NEAR(fabs(r.loss - reference(Z, W, 0, 0, rz, rw)), 1e-12, "default options");
  }
  /* Argument checks. */
  {
    speclin_loss_result r;
    speclin_loss_options bad = {-1.0, SPECLIN_NEGATIVES_OFFDIAGONAL, SPECLIN_LOSS_AUTO};
    CHECK_ERROR(speclin_dspectral_loss(Z, W, B, K, NULL, gz, gw, NULL), SPECLIN_ERR_ARGUMENT, "result is NULL");
    CHECK_ERROR(speclin_dspectral_loss(NULL, W, B, K, NULL, gz, gw, &r), SPECLIN_ERR_ARGUMENT, "Z is NULL");
    CHECK_ERROR(speclin_sspectral_loss(Zf, NULL, B, K, NULL, gzf, gwf, &r), SPECLIN_ERR_ARGUMENT, "W is NULL");
    CHECK_ERROR(speclin_dspectral_loss(Z, W, B, 0, NULL, gz, gw, &r), SPECLIN_ERR_ARGUMENT, "k must be");
    CHECK_ERROR(speclin_dspectral_loss(Z, W, 0, K, NULL, gz, gw, &r), SPECLIN_ERR_ARGUMENT, "B must be");
    CHECK_ERROR(speclin_dspectral_loss(Z, W, 1, K, NULL, gz, gw, &r), SPECLIN_ERR_ARGUMENT, "B");
    CHECK_ERROR(speclin_dspectral_loss(Z, W, B, K, NULL, gz, NULL, &r), SPECLIN_ERR_ARGUMENT, "grad_z and grad_w");
    CHECK_ERROR(speclin_dspectral_loss(Z, W, B, K, &bad, gz, gw, &r), SPECLIN_ERR_ARGUMENT, "mu");
    bad.mu = NAN;
    CHECK_ERROR(speclin_sspectral_loss(Zf, Wf, B, K, &bad, gzf, gwf, &r), SPECLIN_ERR_ARGUMENT, "mu");
    bad.mu = 0;
    bad.negatives = (speclin_negatives)9;
    CHECK_ERROR(speclin_dspectral_loss(Z, W, B, K, &bad, gz, gw, &r), SPECLIN_ERR_ARGUMENT, "negatives");
    bad.negatives = SPECLIN_NEGATIVES_ALL;
    bad.algorithm = (speclin_loss_algorithm)9;
    CHECK_ERROR(speclin_dspectral_loss(Z, W, B, K, &bad, gz, gw, &r), SPECLIN_ERR_ARGUMENT, "algorithm");
    const double z0 = Z[5];
    Z[5] = NAN;
    CHECK_ERROR(speclin_dspectral_loss(Z, W, B, K, NULL, gz, gw, &r), SPECLIN_ERR_ARGUMENT, "NaN");
    Z[5] = z0;
  }
  puts("ok");
  return 0;
}
