/**
 * @fileoverview Reads Vivado HLS / Vitis HLS C-synthesis reports (csynth.xml and the per-module
 * <module>_csynth.xml files) by element name, never by position: the two tools order and nest
 * elements differently, and spell the DSP count DSP48E (Vivado HLS) or DSP (Vitis HLS).
 *
 * The XML is simple (no namespaces, no attributes that matter), so a small tolerant parser is used
 * instead of a dependency.
 */

import { existsSync, lstatSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { LIMITS, overLimit } from '../diagnostics/limits.js';
import path from 'node:path';
import { DiagnosticError, diag } from '../diagnostics/diagnostic.js';

export interface XmlNode {
  readonly name: string;
  readonly children: XmlNode[];
  text: string;
}

/** Parses XML into a tree of elements (attributes ignored, entities decoded). Throws on broken nesting. */
export function parseXml(src: string, file?: string): XmlNode {
  const root: XmlNode = { name: '#document', children: [], text: '' };
  const stack: XmlNode[] = [root];
  const decode = (s: string) =>
    s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&#(\d+);/g, (_, d) => String.fromCharCode(Number(d))).replace(/&amp;/g, '&');
  const bad = (msg: string): never => {
    throw new DiagnosticError([diag('FML7020', `not a well-formed synthesis report: ${msg}`, file ? { file } : undefined)]);
  };
  let i = 0;
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    if (lt < 0) {
      stack[stack.length - 1]!.text += decode(src.slice(i));
      break;
    }
    if (lt > i) stack[stack.length - 1]!.text += decode(src.slice(i, lt));
    if (src.startsWith('<!--', lt)) {
      const e = src.indexOf('-->', lt);
      i = e < 0 ? src.length : e + 3;
    } else if (src.startsWith('<![CDATA[', lt)) {
      const e = src.indexOf(']]>', lt);
      if (e < 0) bad('unterminated CDATA');
      stack[stack.length - 1]!.text += src.slice(lt + 9, e);
      i = e + 3;
    } else if (src.startsWith('<?', lt) || src.startsWith('<!', lt)) {
      const e = src.indexOf('>', lt);
      i = e < 0 ? src.length : e + 1;
    } else {
      const e = src.indexOf('>', lt);
      if (e < 0) bad('unterminated tag');
      const body = src.slice(lt + 1, e).trim();
      i = e + 1;
      if (body.startsWith('/')) {
        const name = body.slice(1).trim();
        const top = stack.pop();
        if (!top || top.name !== name) bad(`closing </${name}> does not match <${top?.name ?? ''}>`);
      } else {
        const selfClose = body.endsWith('/');
        const name = body.replace(/\/$/, '').split(/\s+/)[0]!;
        const node: XmlNode = { name, children: [], text: '' };
        stack[stack.length - 1]!.children.push(node);
        if (!selfClose) stack.push(node);
      }
    }
  }
  if (stack.length !== 1) bad(`<${stack[stack.length - 1]!.name}> is never closed`);
  return root;
}

/** First descendant (depth-first) with this element name. */
export function find(n: XmlNode, name: string): XmlNode | undefined {
  for (const c of n.children) {
    if (c.name === name) return c;
    const d = find(c, name);
    if (d) return d;
  }
  return undefined;
}

function child(n: XmlNode | undefined, ...names: string[]): XmlNode | undefined {
  if (!n) return undefined;
  for (const name of names) {
    const c = n.children.find((x) => x.name === name);
    if (c) return c;
  }
  return undefined;
}

function numberOf(n: XmlNode | undefined): number | undefined {
  if (!n) return undefined;
  const t = n.text.trim();
  if (t === '' || t === '-' || /undef/i.test(t)) return undefined;
  const v = Number(t.replace(/\s*ns$/, ''));
  return Number.isFinite(v) ? v : undefined;
}

export interface ReportFigures {
  latency_best?: number;
  latency_worst?: number;
  ii_min?: number;
  ii_max?: number;
  dsp?: number;
  lut?: number;
  ff?: number;
  bram_18k?: number;
  uram?: number;
}

export interface CsynthReport extends ReportFigures {
  readonly file: string;
  readonly tool: 'Vivado HLS' | 'Vitis HLS' | 'unknown';
  readonly version?: string;
  readonly top?: string;
  readonly part?: string;
  readonly clock_ns?: number;
  readonly est_clock_ns?: number;
  readonly available?: ReportFigures;
  /** Per module (sub-function), when the report lists them. */
  readonly modules: Array<{ name: string } & ReportFigures>;
}

/** Resources under an element holding <BRAM_18K>, <DSP48E> or <DSP>, <FF>, <LUT>, <URAM>. */
function resources(n: XmlNode | undefined): ReportFigures {
  if (!n) return {};
  const out: ReportFigures = {};
  const set = (k: keyof ReportFigures, v: number | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('bram_18k', numberOf(child(n, 'BRAM_18K', 'BRAM')));
  set('dsp', numberOf(child(n, 'DSP48E', 'DSP', 'DSP58E', 'DSP48')));
  set('ff', numberOf(child(n, 'FF')));
  set('lut', numberOf(child(n, 'LUT')));
  set('uram', numberOf(child(n, 'URAM')));
  return out;
}

function performance(perf: XmlNode | undefined): ReportFigures {
  const lat = perf ? child(perf, 'SummaryOfOverallLatency') : undefined;
  const out: ReportFigures = {};
  const set = (k: keyof ReportFigures, v: number | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('latency_best', numberOf(child(lat, 'Best-caseLatency')));
  set('latency_worst', numberOf(child(lat, 'Worst-caseLatency')));
  set('ii_min', numberOf(child(lat, 'Interval-min')));
  set('ii_max', numberOf(child(lat, 'Interval-max')));
  return out;
}

export function parseCsynth(xml: string, file = 'csynth.xml'): CsynthReport {
  const doc = parseXml(xml, file);
  const profile = find(doc, 'profile') ?? doc;
  const version = child(find(profile, 'ReportVersion'), 'Version')?.text.trim();
  const ua = child(profile, 'UserAssignments');
  const perf = child(profile, 'PerformanceEstimates');
  const area = child(profile, 'AreaEstimates');
  if (!perf && !area) throw new DiagnosticError([diag('FML7021', 'no PerformanceEstimates or AreaEstimates element: not a csynth report', { file })]);
  // Vitis HLS writes <DSP>; Vivado HLS <DSP48E>. The version decides when neither is present.
  const res = child(area, 'Resources');
  const tool: CsynthReport['tool'] = child(res, 'DSP') ? 'Vitis HLS' : child(res, 'DSP48E') ? 'Vivado HLS' : 'unknown';
  const modules: CsynthReport['modules'] = [];
  const mi = find(profile, 'ModuleInformation');
  for (const m of mi?.children ?? []) {
    if (m.name !== 'Module') continue;
    const name = child(m, 'Name')?.text.trim();
    if (!name) continue;
    modules.push({ name, ...performance(child(m, 'PerformanceEstimates')), ...resources(child(child(m, 'AreaEstimates'), 'Resources')) });
  }
  const clock = numberOf(child(ua, 'TargetClockPeriod'));
  const est = numberOf(child(child(perf, 'SummaryOfTimingAnalysis'), 'EstimatedClockPeriod', 'EstimatedClockPeriod'));
  const part = child(ua, 'Part')?.text.trim();
  const top = child(ua, 'TopModelName')?.text.trim();
  return {
    file,
    tool,
    ...(version ? { version } : {}),
    ...(top ? { top } : {}),
    ...(part ? { part } : {}),
    ...(clock !== undefined ? { clock_ns: clock } : {}),
    ...(est !== undefined ? { est_clock_ns: est } : {}),
    ...performance(perf),
    ...resources(res),
    available: resources(child(area, 'AvailableResources')),
    modules,
  };
}

/** csynth XML files under a project directory (depth-limited), the top-level report first. */
export function findCsynthReports(dir: string, maxDepth: number = LIMITS.maxReportDepth): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new DiagnosticError([diag('FML7022', 'not a directory', { file: dir })]);
  const found: string[] = [];
  // Bounded in depth and in entries looked at: `fastml report /` must answer, not walk the disk.
  let seen = 0;
  const walk = (d: string, depth: number) => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    seen += entries.length;
    if (seen > LIMITS.maxReportEntries)
      overLimit('maxReportEntries', `the search for csynth.xml (${seen} entries looked at)`, { file: dir }, 'give the project folder (<project>_prj) or the csynth.xml file itself');
    for (const e of entries.sort()) {
      const p = path.join(d, e);
      let st;
      try {
        // lstat: symbolic links to folders are not followed (they can loop).
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory() && depth < maxDepth && e !== 'node_modules' && !e.startsWith('.')) walk(p, depth + 1);
      else if (st.isFile() && /(^|_)csynth\.xml$/.test(e)) found.push(p);
    }
  };
  walk(dir, 0);
  const rank = (f: string) => (path.basename(f) === 'csynth.xml' ? 0 : 1);
  return found.sort((a, b) => rank(a) - rank(b) || a.length - b.length || a.localeCompare(b));
}

export interface ProjectReports {
  readonly top: CsynthReport;
  /** Sub-module reports (Vivado HLS writes one <module>_csynth.xml per function). */
  readonly modules: Array<{ name: string } & ReportFigures>;
}

/** The top report of a built project and every module figure it or its siblings give. */
export function readProjectReports(dir: string): ProjectReports {
  // A report file given directly: that file is the top report.
  if (existsSync(dir) && statSync(dir).isFile()) {
    const top = parseCsynth(readFileSync(dir, 'utf8'), dir);
    return { top, modules: [...top.modules] };
  }
  const files = findCsynthReports(dir);
  if (files.length === 0)
    throw new DiagnosticError([diag('FML7023', 'no csynth.xml found (run C synthesis first: the reports are in <project>_prj/solution1/syn/report/)', { file: dir })]);
  const reports = files.map((f) => parseCsynth(readFileSync(f, 'utf8'), f));
  // The top report: csynth.xml, or the one whose file is named after its TopModelName.
  const top = reports.find((r) => path.basename(r.file) === 'csynth.xml') ?? reports.find((r) => r.top && path.basename(r.file) === `${r.top}_csynth.xml`) ?? reports[0]!;
  const modules = [...top.modules];
  for (const r of reports) {
    if (r === top || path.dirname(r.file) !== path.dirname(top.file)) continue;
    const name = r.top ?? path.basename(r.file).replace(/_csynth\.xml$/, '');
    if (name === top.top || modules.some((m) => m.name === name)) continue;
    const { file: _f, tool: _t, modules: _m, available: _a, version: _v, top: _tp, part: _p, clock_ns: _c, est_clock_ns: _e, ...fig } = r;
    modules.push({ name, ...fig });
  }
  return { top, modules };
}
