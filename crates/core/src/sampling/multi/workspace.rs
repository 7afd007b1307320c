//! The per-shape workspace of the multi-input ensemble: every buffer one network needs, allocated
//! once per shape (widths, k_ℓ, N, order). Index conventions are in the module docs of `sampling::multi`.
use super::conditional::Cond;
use super::config::Config;
use crate::ffi::layout::multi_network_stats as ms;
use crate::ffi::status::Status;

fn zeros(n: usize) -> Result<Vec<f64>, Status> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| Status::Alloc)?;
    v.resize(n, 0.0);
    Ok(v)
}

/// Largest workspace we try to allocate (doubles); wasm32 memory ends at 4 GiB anyway.
pub const MAX_WORK: u128 = 1 << 29;

/// Doubles the workspace of a shape needs (counted in u128; the TS planner has the same formula,
/// `multiWorkspaceDoubles`).
pub fn workspace_doubles(widths: &[usize], neurons: &[usize], nin: usize, order: u32) -> u128 {
    let l = widths.len() - 1;
    let k = *neurons.iter().max().unwrap() as u128;
    let nn = nin as u128;
    let (d, e) = (k * nn, k * nn * nn);
    let mut nh: u128 = 1;
    let mut total = 4 * (l as u128 + 1) + 8 * nn * nn + 13 * nn.pow(4) + 3 * nn * nn;
    for m in 1..=l {
        let (n, np) = (widths[m] as u128, widths[m - 1] as u128);
        total += n * np * if m >= 2 && m < l { 2 } else { 1 } + n + nn * n + nn * nn;
        let nm = if m < l { n } else { k };
        if m < l {
            nh = nh.max(n);
            total += 4 * nn * n;
            if order >= 1 {
                total += 2 * d * n + 2 * e * n + e * nn + d * d;
            }
        }
        if order >= 1 {
            total += e * nm;
        }
    }
    total += widths[0] as u128 * nn + k * k + Cond::size(widths, nin, order);
    if order >= 3 {
        total += 3 * d * d * nh + e * e + d * d * d + (3 * nn + 2 * nn * nn) * nh + nn * nn * nn + 4 * nn * nn * nh + 3 * nn.pow(4);
    }
    total
}

/// All buffers of one shape; per-layer vectors indexed by m = 0 … L (see `ts/twin/sampling/multi/workspace.ts`).
pub(super) struct Workspace {
    pub(super) widths: Vec<usize>,
    pub(super) neurons: Vec<usize>,
    pub(super) order: u32,
    pub(super) n: usize,
    pub(super) w: Vec<Vec<f64>>,
    pub(super) wt: Vec<Vec<f64>>,
    pub(super) bias: Vec<Vec<f64>>,
    pub(super) z: Vec<Vec<f64>>,
    pub(super) s0: Vec<Vec<f64>>,
    pub(super) s1: Vec<Vec<f64>>,
    pub(super) s2: Vec<Vec<f64>>,
    pub(super) s3: Vec<Vec<f64>>,
    pub(super) ssg: Vec<Vec<f64>>, // N × N Gram of s⁽ᵐ⁾, m = 0 … L−1
    pub(super) mu: Vec<f64>,
    pub(super) rho: Vec<Vec<f64>>,
    pub(super) delta: Vec<Vec<f64>>,
    pub(super) gam: Vec<Vec<f64>>,
    pub(super) zd: Vec<Vec<f64>>,
    pub(super) ud: Vec<Vec<f64>>,
    pub(super) sig: Vec<Vec<f64>>,
    pub(super) dd0: Vec<f64>,
    pub(super) dd1: Vec<f64>,
    pub(super) rhod: Vec<f64>,
    pub(super) gg: Vec<f64>, // Gram of the u̇ rows of one layer (E × E)
    pub(super) ed: Vec<f64>,
    pub(super) xa: Vec<f64>, // dd_IĤ rows per (i, j, α): N × 2n, N² × 2n, κ N × n, products N³
    pub(super) xb: Vec<f64>,
    pub(super) kb: Vec<f64>,
    pub(super) res: Vec<f64>,
    pub(super) gath: Vec<f64>, // dd_IIĤ: four N² × n blocks of HVP rows and their three N² × N² Gram blocks
    pub(super) gr: Vec<f64>, // δ̇_q·δ_e′ (D² × D)
    pub(super) eye: Vec<f64>,
    pub(super) v: Vec<f64>,
    /// the conditional estimators of G and H (`conditional`)
    pub(super) cond: Cond,
}

impl Workspace {
    /// Allocates the workspace of `cfg`'s shape (Alloc beyond MAX_WORK doubles or on failure).
    pub(super) fn new(cfg: &Config) -> Result<Workspace, Status> {
        let w = &cfg.widths;
        let l = cfg.depth();
        let nin = cfg.inputs;
        let order = cfg.order;
        if workspace_doubles(w, &cfg.neurons, nin, order) > MAX_WORK {
            return Err(Status::Alloc);
        }
        let k = *cfg.neurons.iter().max().unwrap();
        let (d, e) = (k * nin, k * nin * nin);
        let mut s = Workspace {
            widths: w.clone(),
            neurons: cfg.neurons.clone(),
            order,
            n: nin,
            w: vec![vec![]],
            wt: vec![vec![]],
            bias: vec![vec![]],
            z: vec![vec![]],
            s0: vec![cfg.x.clone()],
            s1: vec![vec![]],
            s2: vec![vec![]],
            s3: vec![vec![]],
            ssg: vec![],
            mu: vec![0.0; l + 1],
            rho: vec![vec![]],
            delta: vec![vec![]],
            gam: vec![vec![]],
            zd: vec![vec![]],
            ud: vec![vec![]],
            sig: vec![vec![]],
            dd0: vec![],
            dd1: vec![],
            rhod: vec![],
            gg: vec![],
            ed: vec![],
            xa: vec![],
            xb: vec![],
            kb: vec![],
            res: vec![],
            gath: vec![],
            gr: vec![],
            eye: zeros(k * k)?,
            v: zeros(ms::len(nin))?,
            cond: Cond::new(cfg)?,
        };
        let mut nh = 1;
        for _ in 0..l {
            s.ssg.push(zeros(nin * nin)?);
        }
        let o1 = order >= 1;
        for m in 1..=l {
            let (n, np) = (w[m], w[m - 1]);
            let hidden = m < l;
            let nm = if hidden { n } else { k };
            if hidden {
                nh = nh.max(n);
            }
            s.w.push(zeros(n * np)?);
            s.wt.push(zeros(if m >= 2 && hidden { n * np } else { 0 })?);
            s.bias.push(zeros(n)?);
            s.z.push(zeros(nin * n)?);
            let hn = if hidden { nin * n } else { 0 };
            s.s0.push(zeros(hn)?);
            s.s1.push(zeros(hn)?);
            s.s2.push(zeros(hn)?);
            s.s3.push(zeros(hn)?);
            s.rho.push(zeros(if hidden && o1 { d * n } else { 0 })?);
            s.delta.push(zeros(if hidden && o1 { d * n } else { 0 })?);
            s.gam.push(zeros(if hidden && o1 { d * d } else { 0 })?);
            s.zd.push(zeros(if o1 { e * nm } else { 0 })?);
            s.ud.push(zeros(if hidden && o1 { e * n } else { 0 })?);
            s.sig.push(zeros(if hidden && o1 { e * nin } else { 0 })?);
        }
        if order >= 3 {
            s.dd0 = zeros(d * d * nh)?;
            s.dd1 = zeros(d * d * nh)?;
            s.rhod = zeros(d * d * nh)?;
            s.gg = zeros(e * e)?;
            s.ed = zeros(d * d * d)?;
            s.xa = zeros(2 * nin * nh)?;
            s.xb = zeros(2 * nin * nin * nh)?;
            s.kb = zeros(nin * nh)?;
            s.res = zeros(nin * nin * nin)?;
            s.gath = zeros(4 * nin * nin * nh)?;
            s.gr = zeros(3 * nin * nin * nin * nin)?;
        }
        Ok(s)
    }

    /// True when `cfg` has the shape this workspace was built for.
    pub(super) fn fits(&self, cfg: &Config) -> bool {
        self.widths == cfg.widths && self.neurons == cfg.neurons && self.order == cfg.order && self.n == cfg.inputs
    }
}
