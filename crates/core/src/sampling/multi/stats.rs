//! The per-network values of one layer on N inputs (`multiNetworkStats` of schema/layout.json).
use super::config::Config;
use super::workspace::Workspace;
use crate::ffi::layout::multi_network_stats as ms;

impl Workspace {
    /// The values of layer `l` of the current network (after `draw` and `forward`), WRITTEN to `self.v`.
    pub(super) fn layer(&mut self, cfg: &Config, l: usize) {
        let k = cfg.neurons[l - 1];
        let nin = self.n;
        let order = cfg.order;
        let (n2, n3) = (nin * nin, nin * nin * nin);
        let n = self.widths[l];
        let np = (k * (k - 1)) as f64;
        let mut v = std::mem::take(&mut self.v);
        v.fill(0.0);
        // g2, gcv, hc1, h2, hcv: consecutive N² blocks, computed for the whole network by `conditional`
        const _: () = assert!(ms::gcv(1) == ms::g2(1) + 1 && ms::hcv(1) == ms::g2(1) + 4);
        v[ms::g2(nin)..ms::g2(nin) + 5 * n2].copy_from_slice(&self.cond.out[l * 5 * n2..(l + 1) * 5 * n2]);
        let (o_zz, o_zzc, o_h, o_zzzz, o_zzc2) = (ms::ZZ, ms::zzc(nin), ms::h(nin), ms::zzzz(nin), ms::zzc2(nin));
        {
            let z = &self.z[l];
            let zz = |i: usize, a: usize| z[a * n + i];
            let (nb, ssg) = (self.widths[l - 1], &self.ssg[l - 1]);
            for a in 0..nin {
                for b in 0..nin {
                    let mut s = 0.0;
                    for i in 0..k {
                        s += zz(i, a) * zz(i, b);
                    }
                    v[o_zz + a * nin + b] = s / k as f64;
                    v[o_zzc + a * nin + b] = cfg.cb[l - 1] + cfg.cw[l - 1] * ssg[a * nin + b] / nb as f64;
                }
            }
            for i in 0..k {
                for j in 0..k {
                    if j == i {
                        continue;
                    }
                    for a in 0..nin {
                        for b in 0..nin {
                            for c in 0..nin {
                                for d in 0..nin {
                                    v[o_zzzz + a * n3 + b * n2 + c * nin + d] += zz(i, a) * zz(i, b) * (zz(j, c) * zz(j, d));
                                }
                            }
                        }
                    }
                }
            }
            for x in 0..n2 {
                for y in 0..n2 {
                    v[o_zzzz + x * n2 + y] /= np;
                    v[o_zzc2 + x * n2 + y] = v[o_zzc + x] * v[o_zzc + y];
                }
            }
        }
        if order == 0 {
            self.v = v;
            return;
        }
        self.back_propagate(l, k, order);
        self.forward_jets(&cfg.lambda_b, l, k);
        let (o_hh, o_hzz, o_hab2, o_hzzab, o_p, o_q) = (ms::hh(nin), ms::hzz(nin), ms::hab2(nin), ms::hzzab(nin), ms::p(nin), ms::q(nin));
        {
            let z = &self.z[l];
            let zz = |i: usize, a: usize| z[a * n + i];
            let top = &self.zd[l];
            let hh = |i: usize, j: usize, a: usize, b: usize| top[((j * nin + b) * nin + a) * k + i];
            for a in 0..nin {
                for b in 0..nin {
                    let mut s = 0.0;
                    for i in 0..k {
                        s += hh(i, i, a, b);
                    }
                    v[o_h + a * nin + b] = s / k as f64;
                }
            }
            for i in 0..k {
                for j in 0..k {
                    if j == i {
                        continue;
                    }
                    for a in 0..nin {
                        for b in 0..nin {
                            for c in 0..nin {
                                for d in 0..nin {
                                    let x = a * n3 + b * n2 + c * nin + d;
                                    v[o_hh + x] += hh(i, i, a, b) * hh(j, j, c, d);
                                    v[o_hzz + x] += hh(i, i, a, b) * (zz(j, c) * zz(j, d));
                                    v[o_hab2 + x] += hh(i, j, a, c) * hh(i, j, b, d);
                                    v[o_hzzab + x] += hh(i, j, a, c) * zz(i, b) * zz(j, d);
                                }
                            }
                        }
                    }
                }
            }
        }
        if order >= 2 {
            // dĤ_{ijj} and dĤ_{iij} once per sample triple (O(ℓn) each), then times z of the fourth slot
            let z = &self.z[l];
            for i in 0..k {
                for j in 0..k {
                    if j == i {
                        continue;
                    }
                    for a in 0..nin {
                        for b in 0..nin {
                            for c in 0..nin {
                                let dp = self.dh(l, k, i * nin + a, j * nin + b, j * nin + c);
                                let dq = self.dh(l, k, i * nin + a, i * nin + b, j * nin + c);
                                for d in 0..nin {
                                    let x = a * n3 + b * n2 + c * nin + d;
                                    v[o_p + x] += dp * z[d * n + i];
                                    v[o_q + x] += dq * z[d * n + j];
                                }
                            }
                        }
                    }
                }
            }
        }
        let (o_r, o_s, o_t, o_u) = (ms::r(nin), ms::s(nin), ms::t(nin), ms::u(nin));
        if order >= 3 {
            self.dd_ii(&cfg.lambda_b, l, k, &mut v, [o_r, o_s, o_t, o_u]);
        }
        let mut blocks = vec![o_hh, o_hzz, o_hab2, o_hzzab];
        if order >= 2 {
            blocks.extend([o_p, o_q]);
        }
        if order >= 3 {
            blocks.extend([o_r, o_s, o_t, o_u]);
        }
        for b0 in blocks {
            for x in 0..n2 * n2 {
                v[b0 + x] /= np;
            }
        }
        let o_hzzc = ms::hzzc(nin);
        for x in 0..n2 {
            for y in 0..n2 {
                v[o_hzzc + x * n2 + y] = v[o_h + x] * v[o_zzc + y];
            }
        }
        self.v = v;
    }
}
