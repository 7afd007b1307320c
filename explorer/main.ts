/**
 * The wideflow explorer (issue 12): choose a network, see its flows with depth update live (theory in
 * this thread), run ensembles at several widths in Web Workers and watch them converge onto the 1/n
 * fit, export any figure as SVG and its data as JSON. The whole state lives in the URL's query.
 *
 * Uses the public API only: 'wideflow' and 'wideflow/plot' (the page's import map points them at the
 * built bundles copied next to it).
 */
import * as wf from 'wideflow';
import {
  comparePlot,
  kernelsPlot,
  describeSpec,
  flowsData,
  flowsPlot,
  quantityLabel,
  susceptibilityPlot,
  type FlowQuantity,
  type FlowSeries,
} from 'wideflow/plot';

type CompareKey = 'G1' | 'H1' | 'V' | 'A' | 'B' | 'D' | 'F' | 'P' | 'Q' | 'R' | 'S' | 'T' | 'U';

/** What defines one network of the flows plot (also what a pin stores). */
interface Net {
  activation: string;
  /** The activation's parameter (slope, alpha, a, p), or null when it has none. */
  param: number | null;
  depth: number;
  Cb: number;
  CW: number;
  lambdaB: number;
  lambdaW: number;
  x2: number;
  n0: number;
  n: number;
}

interface State extends Net {
  q: FlowQuantity[];
  pins: Net[];
  widths: number[];
  samples: number;
  workers: number;
  layer: number | null;
  seed: number;
  cq: CompareKey[];
  /** Inputs of the kernel-matrix card. */
  nIn: number;
}

const FLOW_CHOICES: FlowQuantity[] = [
  'K', 'Theta', 'chiParallel', 'chiPerp',
  'norm.G1', 'norm.H1', 'norm.V', 'norm.A', 'norm.B', 'norm.D', 'norm.F', 'norm.P', 'norm.Q', 'norm.R', 'norm.S', 'norm.T', 'norm.U',
];
const COMPARE_CHOICES: CompareKey[] = ['G1', 'H1', 'V', 'A', 'B', 'D', 'F', 'P', 'Q', 'R', 'S', 'T', 'U'];
const COMPARE_SYMBOLS: Record<CompareKey, string> = { G1: 'G¹', H1: 'H¹', V: 'V', A: 'A', B: 'B', D: 'D', F: 'F', P: 'P', Q: 'Q', R: 'R', S: 'S', T: 'T', U: 'U' };
/** Output width of the sampled networks (the last layer's statistics are measured on it). */
const OUTPUT_WIDTH = 4;
/** Each width is sampled in rounds of these fractions of the budget (same seed: later rounds extend earlier ones). */
const ROUNDS = [0.25, 0.5, 1];

const DEFAULTS: State = {
  activation: 'tanh', param: null, depth: 6, Cb: 0, CW: 1, lambdaB: 1, lambdaW: 1, x2: 1, n0: 8, n: 64,
  q: ['K', 'Theta', 'norm.V', 'norm.A', 'norm.B', 'norm.D'],
  pins: [],
  widths: [8, 16, 32, 64],
  samples: 2000,
  workers: Math.max(1, Math.min(4, (globalThis.navigator?.hardwareConcurrency ?? 2) - 0)),
  layer: null,
  seed: 1,
  cq: ['V', 'A', 'B', 'D'],
  nIn: 12,
};

const $ = <T extends HTMLElement = HTMLInputElement>(id: string) => document.getElementById(id) as T;

// ---------------------------------------------------------------- state <-> URL

const NET_KEYS = ['activation', 'param', 'depth', 'Cb', 'CW', 'lambdaB', 'lambdaW', 'x2', 'n0', 'n'] as const;

function netToString(n: Net): string {
  return NET_KEYS.map((k) => (n[k] === null ? '' : String(n[k]))).join(',');
}

function netFromString(s: string): Net | null {
  const v = s.split(',');
  if (v.length !== NET_KEYS.length) return null;
  const num = (x: string) => (x === '' ? NaN : Number(x));
  const net: Net = {
    activation: v[0], param: v[1] === '' ? null : num(v[1]), depth: num(v[2]), Cb: num(v[3]), CW: num(v[4]),
    lambdaB: num(v[5]), lambdaW: num(v[6]), x2: num(v[7]), n0: num(v[8]), n: num(v[9]),
  };
  return net;
}

function toQuery(s: State): string {
  const p = new URLSearchParams();
  p.set('act', s.activation);
  if (s.param !== null) p.set('a', String(s.param));
  p.set('L', String(s.depth));
  p.set('Cb', String(s.Cb));
  p.set('CW', String(s.CW));
  p.set('lb', String(s.lambdaB));
  p.set('lw', String(s.lambdaW));
  p.set('x2', String(s.x2));
  p.set('n0', String(s.n0));
  p.set('n', String(s.n));
  p.set('q', s.q.join(','));
  for (const pin of s.pins) p.append('pin', netToString(pin));
  p.set('widths', s.widths.join(','));
  p.set('N', String(s.samples));
  p.set('workers', String(s.workers));
  if (s.layer !== null) p.set('layer', String(s.layer));
  p.set('seed', String(s.seed));
  p.set('cq', s.cq.join(','));
  p.set('Nin', String(s.nIn));
  return p.toString();
}

function fromQuery(q: string): State {
  const p = new URLSearchParams(q);
  const s: State = structuredClone(DEFAULTS);
  const num = (k: string, d: number) => (p.has(k) && p.get(k) !== '' && Number.isFinite(Number(p.get(k))) ? Number(p.get(k)) : d);
  if (p.has('act')) s.activation = p.get('act')!;
  s.param = p.has('a') ? num('a', NaN) : null;
  s.depth = num('L', s.depth);
  s.Cb = num('Cb', s.Cb);
  s.CW = num('CW', s.CW);
  s.lambdaB = num('lb', s.lambdaB);
  s.lambdaW = num('lw', s.lambdaW);
  s.x2 = num('x2', s.x2);
  s.n0 = num('n0', s.n0);
  s.n = num('n', s.n);
  if (p.has('q')) s.q = p.get('q')!.split(',').filter((x): x is FlowQuantity => (FLOW_CHOICES as string[]).includes(x));
  s.pins = p.getAll('pin').map(netFromString).filter((x): x is Net => x !== null);
  if (p.has('widths')) s.widths = parseList(p.get('widths')!);
  s.samples = num('N', s.samples);
  s.workers = num('workers', s.workers);
  s.layer = p.has('layer') ? num('layer', NaN) : null;
  s.seed = num('seed', s.seed);
  if (p.has('cq')) s.cq = p.get('cq')!.split(',').filter((x): x is CompareKey => (COMPARE_CHOICES as string[]).includes(x));
  s.nIn = num('Nin', s.nIn);
  if (!wf.ACTIVATIONS[s.activation]) s.activation = DEFAULTS.activation;
  if (s.param === null && wf.ACTIVATIONS[s.activation].parameter) s.param = wf.ACTIVATIONS[s.activation].default;
  return s;
}

function parseList(s: string): number[] {
  return s.split(/[\s,]+/).filter((x) => x !== '').map(Number);
}

// ---------------------------------------------------------------- specs

function activationSpec(n: Net): wf.ActivationSpec {
  const info = wf.ACTIVATIONS[n.activation];
  if (!info?.parameter || n.param === null) return n.activation;
  return { name: n.activation, [info.parameter]: n.param } as wf.ActivationSpec;
}

function networkSpec(n: Net, width = n.n): wf.NetworkSpec {
  return {
    activation: activationSpec(n), depth: n.depth, width, inputWidth: n.n0, outputWidth: OUTPUT_WIDTH,
    Cb: n.Cb, CW: n.CW, lambdaB: n.lambdaB, lambdaW: n.lambdaW, input: { x2: n.x2 },
  };
}

function netLabel(n: Net): string {
  const info = wf.ACTIVATIONS[n.activation];
  const act = info?.parameter && n.param !== null ? `${n.activation}(${info.parameter} = ${n.param})` : n.activation;
  const extra = [n.lambdaB !== 1 || n.lambdaW !== 1 ? `λ = ${n.lambdaB}/${n.lambdaW}` : '', n.x2 !== 1 ? `x² = ${n.x2}` : ''].filter(Boolean).join(', ');
  return `${act}, L = ${n.depth}, C_b = ${n.Cb}, C_W = ${n.CW}${extra ? ', ' + extra : ''}, n = ${n.n}`;
}

/** Critical (C_b, C_W) where it is known in closed form (PDLT §5.2, §5.3): K* = 0 class and scale-invariant σ. */
function criticalPoint(n: Net): { Cb: number; CW: number } | null {
  const a = n.param ?? 0;
  switch (n.activation) {
    case 'tanh':
    case 'sin':
      return { Cb: 0, CW: 1 };
    case 'erf':
      return { Cb: 0, CW: Math.PI / 4 }; // σ′(0) = 2/√π, C_W = 1/σ′(0)²
    case 'scaled_tanh':
      return a !== 0 ? { Cb: 0, CW: 1 / (a * a) } : null;
    case 'linear':
      return { Cb: 0, CW: 1 };
    case 'relu':
      return { Cb: 0, CW: 2 };
    case 'leaky_relu':
      return { Cb: 0, CW: 2 / (1 + a * a) };
    default:
      return null;
  }
}

// ---------------------------------------------------------------- controls

let state: State = fromQuery(location.search);

function buildControls(): void {
  const sel = $<HTMLSelectElement>('activation');
  for (const [name, info] of Object.entries(wf.ACTIVATIONS)) {
    const o = document.createElement('option');
    o.value = name;
    o.textContent = `${name} — ${info.formula}`;
    sel.append(o);
  }
  const mk = (box: HTMLElement, name: string, value: string, text: string) => {
    const l = document.createElement('label');
    const i = document.createElement('input');
    i.type = 'checkbox';
    i.name = name;
    i.value = value;
    l.append(i, ' ', text);
    box.append(l);
  };
  for (const q of FLOW_CHOICES) mk($('quantities'), 'q', q, quantityLabel(q));
  for (const q of COMPARE_CHOICES) mk($('cmp-quantities'), 'cq', q, COMPARE_SYMBOLS[q]);
}

function writeControls(s: State): void {
  $<HTMLSelectElement>('activation').value = s.activation;
  const info = wf.ACTIVATIONS[s.activation];
  $('param-row').hidden = !info.parameter;
  $('param-name').textContent = info.parameter ? `${info.parameter} (${info.range})` : '';
  $('param').value = s.param === null ? '' : String(s.param);
  $('depth').value = String(s.depth);
  $('depth-out').textContent = String(s.depth);
  for (const k of ['Cb', 'CW', 'lambdaB', 'lambdaW', 'x2', 'n0', 'n', 'samples', 'workers', 'seed'] as const) $(k).value = String(s[k]);
  $('widths').value = s.widths.join(', ');
  $('N_in').value = String(s.nIn);
  $('layer').value = s.layer === null ? '' : String(s.layer);
  $('layer').placeholder = `${s.depth} (last)`;
  $('layer').max = String(s.depth);
  document.querySelectorAll<HTMLInputElement>('input[name=q]').forEach((i) => (i.checked = s.q.includes(i.value as FlowQuantity)));
  document.querySelectorAll<HTMLInputElement>('input[name=cq]').forEach((i) => (i.checked = s.cq.includes(i.value as CompareKey)));
  const crit = criticalPoint(s);
  const cb = $<HTMLButtonElement>('critical');
  cb.hidden = !crit;
  if (crit) cb.textContent = `set to criticality (C_b = 0, C_W = ${+crit.CW.toPrecision(6)})`;
  renderPins(s);
}

function readControls(prev: State): State {
  const s: State = structuredClone(prev);
  const v = (id: string) => $(id).value;
  const n = (id: string) => (v(id).trim() === '' ? NaN : Number(v(id)));
  const act = $<HTMLSelectElement>('activation').value;
  if (act !== s.activation) {
    s.activation = act;
    const info = wf.ACTIVATIONS[act];
    s.param = info.parameter ? info.default : null;
  } else {
    s.param = wf.ACTIVATIONS[act].parameter ? n('param') : null;
  }
  s.depth = n('depth');
  for (const k of ['Cb', 'CW', 'lambdaB', 'lambdaW', 'x2', 'n0', 'n', 'samples', 'workers', 'seed'] as const) s[k] = n(k);
  s.widths = parseList(v('widths'));
  s.nIn = n('N_in');
  s.layer = v('layer').trim() === '' ? null : n('layer');
  s.q = [...document.querySelectorAll<HTMLInputElement>('input[name=q]:checked')].map((i) => i.value as FlowQuantity);
  s.cq = [...document.querySelectorAll<HTMLInputElement>('input[name=cq]:checked')].map((i) => i.value as CompareKey);
  return s;
}

function renderPins(s: State): void {
  const ul = $<HTMLUListElement>('pins');
  ul.replaceChildren(
    ...s.pins.map((p, i) => {
      const li = document.createElement('li');
      const t = document.createElement('span');
      t.textContent = netLabel(p);
      const x = document.createElement('button');
      x.type = 'button';
      x.className = 'link';
      x.textContent = '×';
      x.title = 'remove';
      x.onclick = () => {
        state.pins.splice(i, 1);
        commit();
      };
      li.append(t, x);
      return li;
    }),
  );
  $('clear-pins').hidden = s.pins.length === 0;
}

// ---------------------------------------------------------------- figures

/** Each figure: its SVG for export (with a title; the page shows it under the card's own heading) and its data. */
const figures: Record<'flows' | 'compare' | 'chi' | 'kernels', { svg: () => string; data: unknown } | null> = { flows: null, compare: null, chi: null, kernels: null };
let flowsVersion = 0;

function showError(e: unknown): void {
  const box = $('error');
  if (e === null) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  box.textContent = e instanceof Error ? e.message : String(e);
}

function plotWidth(id: string): number {
  return Math.max(560, Math.floor($(id).clientWidth || 900));
}

function renderFlows(s: State): void {
  const current: Net = s;
  const nets: Array<{ label: string; net: Net }> = [
    { label: s.pins.length ? `▶ ${netLabel(current)}` : netLabel(current), net: current },
    ...s.pins.map((p) => ({ label: netLabel(p), net: p })),
  ];
  const series: FlowSeries[] = nets.map(({ label, net }) => ({ label, result: wf.theory(networkSpec(net)) }));
  const q = s.q.length ? s.q : DEFAULTS.q;
  const width = plotWidth('plot-flows');
  const opts = {
    quantities: q,
    width,
    columns: Math.min(q.length, width >= 860 ? 3 : 2),
    subtitle: series.length > 1 ? undefined : describeSpec(series[0].result.spec),
  };
  const el = $('plot-flows');
  el.innerHTML = flowsPlot(series, { ...opts, title: '' });
  el.dataset.version = String(++flowsVersion);
  figures.flows = {
    svg: () => flowsPlot(series, { ...opts, title: series.length > 1 ? `Flows with depth: ${series.length} networks` : 'Flows with depth' }),
    data: {
      networks: nets.map(({ label, net }, i) => ({ label, spec: networkSpec(net), layers: series[i].result.layers })),
      plotted: flowsData(series, q),
    },
  };
  renderChi(s, series[0].result);
  renderKernels(s);
}

function renderChi(s: State, flow: wf.TheoryResult): void {
  const Ks = flow.layers.map((l) => l.K).filter((k) => k > 0 && Number.isFinite(k));
  const lo = Math.max(1e-4, Math.min(...Ks, 0.05) / 3);
  const hi = Math.min(1e4, Math.max(...Ks, 2) * 3);
  const grid = Array.from({ length: 48 }, (_, i) => lo * Math.pow(hi / lo, i / 47));
  // χ depends on K and C_W only: a one-layer network with C_b = 0 and x² = K/C_W has K⁽¹⁾ = K exactly.
  const pts = grid.map((K) =>
    wf.theory({ activation: activationSpec(s), depth: 1, width: 1, inputWidth: 1, Cb: 0, CW: s.CW, lambdaB: 1, lambdaW: 1, input: { x2: K / s.CW } }).layers[0],
  );
  const curve = { K: pts.map((p) => p.K), chiParallel: pts.map((p) => p.chiParallel), chiPerp: pts.map((p) => p.chiPerp) };
  const iterates = flow.layers.filter((l) => Number.isFinite(l.K) && l.K > 0 && l.K >= lo && l.K <= hi);
  const width = Math.min(plotWidth('plot-chi'), 760);
  const title = `Susceptibilities at C_W = ${s.CW} (${netLabel(s).split(',')[0]})`;
  $('plot-chi').innerHTML = susceptibilityPlot(curve, { iterates, width, title: '', scale: 'log' });
  figures.chi = {
    svg: () => susceptibilityPlot(curve, { iterates, width, title, scale: 'log' }),
    data: { CW: s.CW, activation: activationSpec(s), curve, iterates: iterates.map(({ layer, K, chiParallel, chiPerp }) => ({ layer, K, chiParallel, chiPerp })) },
  };
}

/** The N inputs of the kernel card: x_α = r(cos θ_α, sin θ_α, 0, …) with |x_α|²/n₀ = x², θ_α = 2πα/N. */
function circleInputs(s: State): number[][] {
  const N = s.nIn;
  if (!Number.isInteger(N) || N < 2 || N > 64) throw new wf.InvalidParameterError('inputs N', N, 'an integer in 2 … 64');
  const r = Math.sqrt(s.x2 * s.n0);
  return Array.from({ length: N }, (_, a) => {
    const x = new Array(Math.max(2, s.n0)).fill(0);
    x[0] = r * Math.cos((2 * Math.PI * a) / N);
    x[1] = r * Math.sin((2 * Math.PI * a) / N);
    return x;
  });
}

function renderKernels(s: State): void {
  const inputs = circleInputs(s);
  const k = wf.kernels({ activation: activationSpec(s), depth: s.depth, Cb: s.Cb, CW: s.CW, lambdaB: s.lambdaB, lambdaW: s.lambdaW, inputs });
  const L = s.depth;
  const layers = [...new Set([1, Math.max(1, Math.round(L / 3)), Math.max(1, Math.round((2 * L) / 3)), L])];
  const width = plotWidth('plot-kernels');
  const opts = { layers, normalize: 'correlation' as const, width: Math.min(width, 260 * layers.length + 32), columns: layers.length };
  $('plot-kernels').innerHTML = kernelsPlot(k, { ...opts, title: '', subtitle: '' });
  figures.kernels = {
    svg: () => kernelsPlot(k, opts),
    data: { inputs, layers: k.layers.map((l) => ({ layer: l.layer, K: [...l.K], Theta: [...l.Theta] })) },
  };
}

let lastCompare: { spec: wf.NetworkSpec; ensembles: wf.EnsembleResult[]; theory: wf.TheoryResult } | null = null;

function renderCompare(s: State): void {
  if (!lastCompare || lastCompare.ensembles.length === 0) return;
  const { spec, ensembles, theory } = lastCompare;
  const c = wf.compare(theory, ensembles);
  const L = theory.layers.length;
  const layer = s.layer !== null && s.layer >= 1 && s.layer <= L ? s.layer : L;
  const qs = s.cq.length ? s.cq : DEFAULTS.cq;
  const width = plotWidth('plot-compare');
  const svg = comparePlot(c, {
    layers: [layer],
    quantities: qs,
    width,
    columns: Math.min(qs.length, Math.max(2, Math.floor(width / 240))),
    subtitle: `${describeSpec(theory.spec).replace(/ · n = [^·]+· /, ' · ')} · widths ${ensembles.map((e) => e.layers[layer - 1].n).join(', ')} · ${ensembles.map((e) => e.samples).join('/')} networks`,
  });
  const el = $('plot-compare');
  el.classList.remove('stale');
  el.innerHTML = svg;
  el.dataset.version = String(Number(el.dataset.version ?? 0) + 1);
  figures.compare = {
    svg: () => svg,
    data: {
      spec,
      layer,
      ensembles: ensembles.map((e) => ({ samples: e.samples, seed: e.seed, layers: e.layers })),
      compare: { ...c, rows: c.rows.filter((r) => r.layer === layer) },
    },
  };
}

// ---------------------------------------------------------------- ensembles

let running: AbortController | null = null;

function setProgress(value: number, text: string, status?: string): void {
  $<HTMLProgressElement>('progress').value = value;
  $('progress-text').textContent = text;
  if (status) document.body.dataset.ensemble = status;
}

async function runEnsembles(): Promise<void> {
  if (running) return;
  const s = state;
  const widths = [...new Set(s.widths)].sort((a, b) => a - b);
  if (widths.length === 0 || widths.some((w) => !Number.isInteger(w) || w < 1)) {
    showError(new wf.InvalidParameterError('hidden widths', s.widths.join(','), 'a comma-separated list of positive integers'));
    return;
  }
  const net: Net = { ...s };
  const spec = networkSpec(net, widths[0]);
  let theory: wf.TheoryResult;
  try {
    theory = wf.theory(spec);
  } catch (e) {
    showError(e);
    return;
  }
  const ctrl = new AbortController();
  running = ctrl;
  $<HTMLButtonElement>('run').disabled = true;
  $<HTMLButtonElement>('cancel').disabled = false;
  const budget = ROUNDS.map((f) => Math.max(100, Math.round(s.samples * f)));
  const total = budget.reduce((a, b) => a + b, 0) * widths.length;
  let done = 0;
  const latest = new Map<number, wf.EnsembleResult>();
  const previous = lastCompare;
  lastCompare = { spec, ensembles: [], theory };
  // The previous run's figure stays until this run has its first width, dimmed so it is not mistaken for it.
  $('plot-compare').classList.add('stale');
  setProgress(0, 'starting…', 'running');
  try {
    for (let r = 0; r < ROUNDS.length; r++) {
      for (const w of widths) {
        const N = budget[r];
        const e = await wf.ensemble(networkSpec(net, w), {
          samples: N,
          seed: s.seed,
          workers: s.workers,
          signal: ctrl.signal,
          onProgress: (p) => setProgress((done + p.done) / total, `round ${r + 1}/${ROUNDS.length} · n = ${w}: ${p.done}/${N}`),
        });
        done += N;
        latest.set(w, e);
        lastCompare = { spec, theory, ensembles: widths.filter((x) => latest.has(x)).map((x) => latest.get(x)!) };
        renderCompare(state);
      }
    }
    setProgress(1, `done: ${widths.length} widths × ${budget[budget.length - 1]}`, 'done');
  } catch (e) {
    if (ctrl.signal.aborted) setProgress(done / total, 'cancelled', 'cancelled');
    else {
      setProgress(done / total, 'failed', 'error');
      showError(e);
    }
  } finally {
    // Cancelled (or failed) before its first width: the figure on screen is still the previous run's.
    if (latest.size === 0) lastCompare = previous;
    $('plot-compare').classList.remove('stale');
    running = null;
    $<HTMLButtonElement>('run').disabled = false;
    $<HTMLButtonElement>('cancel').disabled = true;
  }
}

// ---------------------------------------------------------------- wiring

let scheduled = false;

/** Applies `state`: URL, controls, figures (errors shown, last good figures kept). */
function commit(): void {
  history.replaceState(null, '', `${location.pathname}?${toQuery(state)}`);
  writeControls(state);
  try {
    renderFlows(state);
    if (lastCompare) renderCompare(state);
    showError(null);
  } catch (e) {
    showError(e);
  }
}

function onInput(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    state = readControls(state);
    commit();
  });
}

function download(name: string, type: string, text: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

async function main(): Promise<void> {
  const info = await wf.init();
  $('backend').textContent = `backend: ${info.defaultBackend}${info.simd ? ' (SIMD)' : ''} · ${navigator.hardwareConcurrency ?? '?'} cores`;
  buildControls();
  const form = $<HTMLFormElement>('form');
  form.addEventListener('input', onInput);
  form.addEventListener('change', onInput);
  $('N_in').addEventListener('input', onInput);
  $('run').addEventListener('click', () => void runEnsembles());
  $('cancel').addEventListener('click', () => running?.abort());
  $('pin').addEventListener('click', () => {
    const { activation, param, depth, Cb, CW, lambdaB, lambdaW, x2, n0, n } = state;
    state.pins.push({ activation, param, depth, Cb, CW, lambdaB, lambdaW, x2, n0, n });
    commit();
  });
  $('clear-pins').addEventListener('click', () => {
    state.pins = [];
    commit();
  });
  $('critical').addEventListener('click', () => {
    const c = criticalPoint(state);
    if (c) Object.assign(state, c);
    commit();
  });
  $('share').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      $('share').textContent = 'Link copied';
    } catch {
      $('share').textContent = 'Copy the address bar';
    }
    setTimeout(() => ($('share').textContent = 'Copy link'), 1500);
  });
  document.querySelectorAll<HTMLButtonElement>('button[data-export]').forEach((b) =>
    b.addEventListener('click', () => {
      const f = figures[b.dataset.export as keyof typeof figures];
      if (!f) return;
      if (b.dataset.format === 'svg') download(`wideflow-${b.dataset.export}.svg`, 'image/svg+xml', f.svg());
      else download(`wideflow-${b.dataset.export}.json`, 'application/json', JSON.stringify(f.data, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2));
    }),
  );
  let resize = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resize);
    resize = window.setTimeout(() => commit(), 150);
  });
  commit();
  document.body.dataset.ready = '1';
}

main().catch((e) => {
  showError(e);
  document.body.dataset.ready = 'error';
});
