#!/usr/bin/env python3
"""Independent privacy attacker for `engage` release folders.

Threat model: an outsider holds only what was published: a release folder (report.json, the CSV
tables, report.xlsx, report.html), its bureau packs (packs/*/report.json, .xlsx) and wave
comparisons (compare.json, or `previous_wave` inside report.json). The promise under attack: no
count of respondents, and no answer split (favourable / neutral / unfavourable or per scale
point), of a group smaller than `min_group_size` can be recovered, directly, by subtraction, or by
any combination of published numbers. This file shares no code with engage's suppression or audit.

Every published count goes into one knowledge base; every relation between counts becomes an
integer linear constraint; every withheld count is then bounded with scipy.optimize.milp.

  subtraction   a segment's groups add up to the organisation, nested groups to their parent, a
                cross's cells to their row and column groups; for every count (respondents, item
                answers per scale point, missing + not applicable, dimension / KPI n, multi-select
                base and picks, comment counts). Item n = sum of its scale points = respondents -
                missing - not applicable; figure n <= respondents; a dimension score needs
                `min_answered` items; picks <= max_picks * base; `primary` groups hold 1..min-1
                respondents and `complementary` ones at least min.
  pooled share  (class 1) a dimension's favourable / neutral / unfavourable shares are fractions
                F/A of its items' answers. The exact fraction a/b is recovered from the float by
                continued fractions and becomes A = b*k, F = a*k (k integer): with the published
                items' counts this leaves a withheld item's (n, fav, neu, unf) few integer choices.
                Share and mean KPIs give the same kind of equation on their item.
  chain         (class 2) a value pinned through a share, then carried through the sums above.
  accounting    (class 3) rows_accepted per data file = a group of a segment whose values are the
                files' names (`column = "@file"`).
  weighting     (class 4) rows_without_weight = respondents blank in a raking margin; with two
                margins and their cross: blank A + blank B - blank (A x B).
  outputs       a count that a CSV table, the workbook, the HTML page, a pack or a comparison
                publishes while report.json withholds it (or a crosswalk unit = sum of groups).

A finding is a withheld count pinned to one value > 0, or a withheld count of respondents whose
largest feasible value is under the minimum (but > 0). Groups labelled `primary` are 1..min-1 by
design, so only their pinned values count. Zero cells (pinned to 0) are the documented exception.
Prints each finding with the published numbers behind it; exit 1 if anything was found.
"""
import csv, json, os, re, sys, zipfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from fractions import Fraction
from html.parser import HTMLParser
from math import lcm
import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

SPECIAL = ('share', 'accounting', 'weighting', 'release')   # constraint kinds tested for necessity
COUNTS = ('R', 'N', 'D', 'K', 'B')                          # counts of respondents (bound findings)
ORG = ('*', '')                                             # (segment, key) of the whole organisation


# ------------------------------------------------------------------------------ reading outputs
def read_csv(path):
    for enc in ('utf-8-sig', 'cp932'):
        try:
            with open(path, encoding=enc, newline='') as f:
                return list(csv.reader(f))
        except UnicodeDecodeError:
            pass
    return []


def read_xlsx(path):
    """{sheet name: [row as list of cell strings]} with the standard library only."""
    ns = '{http://schemas.openxmlformats.org/spreadsheetml/2006/main}'
    z = zipfile.ZipFile(path)
    shared = []
    if 'xl/sharedStrings.xml' in z.namelist():
        shared = [''.join(t.text or '' for t in si.iter(ns + 't'))
                  for si in ET.fromstring(z.read('xl/sharedStrings.xml')).findall(ns + 'si')]
    rels = {r.get('Id'): r.get('Target') for r in ET.fromstring(z.read('xl/_rels/workbook.xml.rels'))}
    out = {}
    for sh in ET.fromstring(z.read('xl/workbook.xml')).find(ns + 'sheets'):
        target = rels[sh.get('{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id')]
        target = target.lstrip('/') if target.lstrip('/').startswith('xl/') else 'xl/' + target
        rows = []
        for row in ET.fromstring(z.read(target)).iter(ns + 'row'):
            cells = {}
            for c in row.findall(ns + 'c'):
                col = 0
                for ch in re.match(r'[A-Z]+', c.get('r')).group():
                    col = col * 26 + ord(ch) - 64
                v, inline = c.find(ns + 'v'), c.find(ns + 'is')
                if c.get('t') == 's' and v is not None:
                    cells[col - 1] = shared[int(v.text)]
                elif inline is not None:
                    cells[col - 1] = ''.join(t.text or '' for t in inline.iter(ns + 't'))
                elif v is not None:
                    cells[col - 1] = v.text
            rows.append([cells.get(i, '') for i in range(max(cells, default=-1) + 1)])
        out[sh.get('name')] = rows
    return out


class HtmlTables(HTMLParser):
    """Tables of report.html, by the id of their <details id="table-NAME">."""
    def __init__(self):
        super().__init__()
        self.tables, self.cur, self.row, self.cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        ident = dict(attrs).get('id') or ''
        if tag == 'details' and ident.startswith('table-'):
            self.cur = ident[6:]
            self.tables[self.cur] = []
        elif self.cur and tag == 'tr':
            self.row = []
        elif self.row is not None and tag in ('td', 'th'):
            self.cell = ''

    def handle_endtag(self, tag):
        if tag in ('td', 'th') and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == 'tr' and self.row is not None:
            self.tables[self.cur].append(self.row)
            self.row = None
        elif tag == 'details':
            self.cur = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def as_int(x):
    try:
        f = float(str(x).replace(',', ''))
        return int(f) if f == int(f) else None
    except (TypeError, ValueError):
        return None


def exact_fraction(p, maxden):
    """The fraction a/b (b <= maxden) whose correctly rounded float is p, or None."""
    if p is None:
        return None
    f = Fraction(p).limit_denominator(maxden)
    return f if f.numerator / f.denominator == p else None


# ------------------------------------------------------------------------------ knowledge base
class Model:
    def __init__(self):
        self.known, self.src = {}, {}
        self.hidden = set()            # counts report.json withholds
        self.cons = []                 # (terms {var: coef}, '=' | '<', rhs, family, kind, note)
        self.lo = defaultdict(int)
        self.hi = {}
        self.primary = set()           # (wave, segment, key) labelled primary
        self.waves = {}
        self.notes = []
        self.naux = 0

    def pub(self, var, value, src):
        if value is None:
            return
        if var in self.known and self.known[var] != int(value):
            self.notes.append(f'conflict: {name(var)} = {self.known[var]} ({self.src[var]}) '
                              f'but {value} ({src})')
        elif var not in self.known:
            self.known[var], self.src[var] = int(value), src

    def add(self, terms, sense, rhs, fam, kind, note):
        self.cons.append((terms, sense, rhs, fam, kind, note))

    def aux(self, wave):
        self.naux += 1
        return ('k', wave, self.naux)

    def val(self, var):
        return self.known.get(var, '?')


def where(v):
    return 'organisation' if (v[2], v[3]) == ORG else f"{v[2]} '{v[3]}'"


def what(v):
    if v[0] == 'C':
        return f'item {v[4]} answers={v[5]}'
    if v[0] == 'O':
        return f'multi-select {v[4]} option {v[5]}'
    return {'R': 'respondents', 'N': 'item {} n', 'X': 'item {} missing+n/a', 'F': 'item {} favourable',
            'E': 'item {} neutral', 'U': 'item {} unfavourable', 'D': 'dimension {} n', 'K': 'KPI {} n',
            'B': 'multi-select {} base', 'T': 'comments {}'}[v[0]].format(*v[4:5])


def name(v):
    return f'{v[1]}: {where(v)} {what(v)}'


def family(v):
    w, kind = v[1], v[0]
    if kind == 'R':
        return (w, 'R')
    if kind in 'NCXFEU':
        return (w, 'd', M.waves[w]['item_dim'].get(v[4]) or v[4])
    if kind == 'D':
        return (w, 'd', v[4])
    if kind == 'K':
        return (w, 'd', M.waves[w]['kpi_src'].get(v[4], v[4]))
    return (w, 'm' if kind in 'BO' else 't', v[4])


def cell(v):
    """The figure a count belongs to: (wave, segment, key, figure)."""
    if v[0] == 'R':
        return v[1:4] + ('respondents',)
    if v[0] in 'NCXFEU':
        return v[1:4] + ('item ' + v[4],)
    return v[1:4] + ({'D': 'dimension ', 'K': 'KPI ', 'B': 'multi-select ', 'O': 'multi-select ',
                      'T': 'comments '}[v[0]] + v[4],)


# ------------------------------------------------------------------------------ loading
def load_report(r, src, structural):
    w = r['survey']['id']
    W = M.waves.setdefault(w, {'segs': [], 'item_dim': {}, 'kpi_src': {}, 'files': []})
    if structural or 'items' not in W:
        sc = r['survey']['scale']
        W.update(min=r['survey']['min_group_size'], points=list(range(sc['min'], sc['max'] + 1)),
                 fav=set(sc['favourable']), unf=set(sc['unfavourable']), flip=sc['min'] + sc['max'],
                 items={i['id']: i for i in r['items']}, dims={d['id']: d for d in r['dimensions']},
                 kpis={k['id']: k for k in r['kpis']}, ms={q['id']: q for q in r['multi_select']},
                 org=r['responses']['accepted'], mincom=(r.get('free_text') or {}).get('min_comment_group_size', 10))
        W['clean'] = r['responses']['problems'] == 0      # no kept out-of-range or over-picked rows
        for i in r['items']:
            W['item_dim'][i['id']] = i['dimension']
        for k in r['kpis']:                                 # a KPI's source: the item (or dimension)
            same = lambda f, key: [x['id'] for x in f if x.get('n') == k.get('n') is not None  # with its n
                                   and x.get(key) == k.get('value')]                          # and value
            items = same(r['items'], 'favourable' if k['kind'] == 'share' else 'mean')
            dims = same(r['dimensions'], 'mean') if k['kind'] == 'mean' else []
            if len(items) == 1:
                W['kpis'][k['id']]['item'] = items[0]
                W['kpi_src'][k['id']] = W['item_dim'][items[0]] or items[0]
            elif len(dims) == 1:
                W['kpis'][k['id']]['dimension'] = W['kpi_src'][k['id']] = dims[0]
    if structural:
        W['segs'] = r['segments']
        W['files'] = r['inputs']['data']
        W['weighting'] = (r.get('population') or {}).get('weighting')
        W['text'] = [(q['id'], s['id'], [g['key'] for g in s['groups']])
                     for q in ((r.get('free_text') or {}).get('questions') or []) for s in q.get('segments') or []]
        W['shares'] = []
    M.pub(('R', w) + ORG, r['responses']['accepted'], src)
    figures(w, ORG, r['items'], r['dimensions'], r['kpis'], src, W, structural)
    for s in r['segments']:
        for g in s['groups']:
            grp = (s['id'], g['key'])
            if g['suppressed']:
                M.hidden.add(('R', w) + grp)
                if g['suppression'] == 'primary':
                    M.primary.add((w,) + grp)
                    M.lo[('R', w) + grp], M.hi[('R', w) + grp] = 1, W['min'] - 1
                elif g['suppression'] == 'complementary':
                    M.lo[('R', w) + grp] = W['min']
            M.pub(('R', w) + grp, g['respondents'], src)
            figures(w, grp, g['items'], g['dimensions'], g['kpis'], src, W, structural)
    for q in r['multi_select']:
        M.pub(('B', w) + ORG + (q['id'],), q['base'], src)
        for o in q.get('options') or []:
            M.pub(('O', w) + ORG + (q['id'], o['id']), o.get('count'), src)
        for b in q.get('by_segment') or []:
            for g in b['groups']:
                M.pub(('B', w, b['segment'], g['group'], q['id']), g['base'], src)
                M.pub(('O', w, b['segment'], g['group'], q['id'], b['option']), g['count'], src)
    for q in (r.get('free_text') or {}).get('questions') or []:
        M.pub(('T', w) + ORG + (q['id'],), q.get('comments'), src)
        for s in q.get('segments') or []:
            for g in s['groups']:
                if g['withheld']:
                    M.hidden.add(('T', w, s['id'], g['key'], q['id']))
                M.pub(('T', w, s['id'], g['key'], q['id']), g.get('comments'), src)
    if r.get('previous_wave'):
        load_compare(r['previous_wave'], src + ' previous_wave')


def figures(w, grp, items, dims, kpis, src, W, structural):
    for i in items:
        base = ('N', w) + grp + (i['id'],)
        if i['withheld']:
            M.hidden.update([base, ('X',) + base[1:]] + [('C',) + base[1:] + (p,) for p in W['points']])
        elif structural or i.get('n') is not None:
            M.pub(base, i.get('n') or 0, src)
            M.pub(('X',) + base[1:], (i.get('missing') or 0) + (i.get('not_applicable') or 0), src)
            counts = {c['value']: c['count'] for c in i.get('counts') or []}
            for p in W['points']:
                M.pub(('C',) + base[1:] + (p,), counts.get(p, 0), src)
            for kind, pts in split_points(W, i['id']).items():
                M.pub((kind,) + base[1:], sum(counts.get(p, 0) for p in pts), src)
    for kind, lst in (('D', dims), ('K', kpis)):
        for d in lst:
            var = (kind, w) + grp + (d['id'],)
            if d['withheld']:
                M.hidden.add(var)
            elif structural or d.get('n') is not None:
                M.pub(var, d.get('n') or 0, src)
                if kind == 'D' and structural and d.get('favourable') is not None:
                    W['shares'].append((grp, d))
                if kind == 'K' and structural and d.get('value') is not None:
                    W['shares'].append((grp, d))


def load_compare(c, src):
    wa, wb = c['a']['survey_id'], c['b']['survey_id']
    for fam, kind in (('kpis', 'K'), ('items', 'N'), ('dimensions', 'D')):
        for row in c.get(fam) or []:
            for side, w in (('a', wa), ('b', wb)):
                if not row['withheld'] and row.get(side):
                    M.pub((kind, w) + ORG + (row['id'],), row[side]['n'], src)
    for row in c.get('segments') or []:
        for side, w in (('a', wa), ('b', wb)):
            if row['withheld'] or not row.get(side):
                continue
            keys = row.get(side + '_groups') or [row['group']]
            vs = [('D', w, row['segment'], k, row['id']) for k in keys]
            if len(vs) == 1:
                M.pub(vs[0], row[side]['n'], src)
            else:
                M.add({v: 1 for v in vs}, '=', row[side]['n'], (w, 'd', row['id']), 'release',
                      f"{src}: crosswalk unit {'+'.join(keys)} dimension {row['id']} n={row[side]['n']}")


def load_segment_table(rows, w, src):
    """segments table of any format (CSV, workbook sheet, HTML): respondents and n by position."""
    kinds = []
    for row in rows[1:]:
        if len(row) < 10:
            continue
        if row[6] not in kinds:
            kinds.append(row[6])
        kind = 'KDN'[min(kinds.index(row[6]), 2)]
        M.pub(('R', w, row[0], row[2]), as_int(row[4]), src)
        M.pub((kind, w, row[0], row[2], row[7]), as_int(row[9]), src)


def load_dir(d):
    for sub, _, files in sorted(os.walk(d)):
        src = os.path.relpath(sub, os.path.dirname(d.rstrip('/')))
        pack = 'packs' in os.path.relpath(sub, d).split(os.sep)
        if 'report.json' in files:
            r = json.load(open(os.path.join(sub, 'report.json'), encoding='utf-8'))
            load_report(r, src + '/report.json', structural=not pack)
            w, W = r['survey']['id'], M.waves[r['survey']['id']]
            if 'segments.csv' in files:
                load_segment_table(read_csv(os.path.join(sub, 'segments.csv')), w, src + '/segments.csv')
            if 'data_quality.csv' in files and not pack:
                W['files'] = [{'path': row[0], 'rows_accepted': as_int(row[4])}
                              for row in read_csv(os.path.join(sub, 'data_quality.csv'))[1:] if row[0] != '(total)']
            if 'report.html' in files:
                p = HtmlTables()
                p.feed(open(os.path.join(sub, 'report.html'), encoding='utf-8').read())
                load_segment_table(p.tables.get('segments', []), w, src + '/report.html')
            if 'report.xlsx' in files:
                segs = {s['id'] for s in W['segs']}
                for sheet, rows in read_xlsx(os.path.join(sub, 'report.xlsx')).items():
                    if len(rows) > 1 and len(rows[1]) > 9 and rows[1][0] in segs:
                        load_segment_table(rows, w, f'{src}/report.xlsx[{sheet}]')
        if 'compare.json' in files:
            load_compare(json.load(open(os.path.join(sub, 'compare.json'), encoding='utf-8')),
                         src + '/compare.json')


# ------------------------------------------------------------------------------ constraints
def build():
    for w, W in M.waves.items():
        if not W['segs']:
            continue
        fam_r = (w, 'R')
        groups = [ORG] + [(s['id'], g['key']) for s in W['segs'] for g in s['groups']]
        byid = {s['id']: s for s in W['segs']}
        parts = []                      # (total group, member groups, description)
        for s in W['segs']:
            keys = [g['key'] for g in s['groups']]
            if s['parent'] is None:
                parts.append((ORG, [(s['id'], k) for k in keys], f'{s["id"]} groups add up to the organisation'))
            for link, parent in (('parent_key', s['parent']), ('across_key', s['across'])):
                if parent is None:
                    continue
                for pg in byid[parent]['groups']:
                    mem = [(s['id'], g['key']) for g in s['groups'] if g[link] == pg['key']]
                    parts.append(((parent, pg['key']), mem, f"{s['id']} groups in {parent} '{pg['key']}' add up to it"))
        templates = [('R',)] + [('D', d) for d in W['dims']] + [('K', k) for k in W['kpis']]
        for i in W['items']:
            templates += [('N', i), ('X', i)] + [('C', i, p) for p in W['points']]
        for q, Q in W['ms'].items():
            templates += [('B', q)] + [('O', q, o['id']) for o in Q.get('options') or []]
        for tot, mem, desc in parts:
            for t in templates:
                var = lambda g: (t[0], w) + g + t[1:]
                terms = {var(g): 1 for g in mem}
                terms[var(tot)] = terms.get(var(tot), 0) - 1
                M.add(terms, '=', 0, family(var(tot)), 'partition', f'{desc}: {show(terms, var(tot))}')
        for q, seg, keys in W.get('text', []):
            terms = {('T', w, seg, k, q): 1 for k in keys}
            if seg in byid and len(keys) == len(byid[seg]['groups']) and ('T', w) + ORG + (q,) in M.known:
                M.add(terms, '=', M.known[('T', w) + ORG + (q,)], (w, 't', q), 'partition',
                      f'comments {q} of {seg} groups add up to the organisation\'s')
            for k in keys:
                M.add({('T', w, seg, k, q): 1, ('R', w, seg, k): -1}, '<', 0, (w, 't', q), 'identity', '')
        for g in groups:
            identities(w, W, g)
        for g, d in W['shares']:
            share_equations(w, W, g, d)
        accounting(w, W, fam_r)
        weighting(w, W, byid, fam_r)


def show(terms, total):
    parts = [f"{v[3] or 'org'}={M.val(v)}" for v in terms if v != total][:8]
    more = ' …' if len(terms) > 9 else ''
    return f"{name(total).split(': ', 1)[1]} {M.val(total)} = " + ' + '.join(parts) + more


def split_points(W, item):
    """Ticked scale points that count as favourable (F), neutral (E), unfavourable (U)."""
    score = lambda p: W['flip'] - p if W['items'][item]['reverse'] else p
    return {k: [p for p in W['points'] if score(p) in pts] for k, pts in
            (('F', W['fav']), ('U', W['unf']), ('E', set(W['points']) - W['fav'] - W['unf']))}


def identities(w, W, g):
    R = ('R', w) + g
    for i, it in W['items'].items():
        N = ('N', w) + g + (i,)
        f = family(N)
        M.add({N: -1, **{('C', w) + g + (i, p): 1 for p in W['points']}}, '=', 0, f, 'identity', '')
        if W['clean']:
            M.add({R: 1, N: -1, ('X', w) + g + (i,): -1}, '=', 0, f, 'identity',
                  f"{name(R)} {M.val(R)} = n {M.val(N)} + missing/na {M.val(('X', w) + g + (i,))} ({i})")
        for kind, ticked in split_points(W, i).items():
            M.add({(kind, w) + g + (i,): -1, **{('C', w) + g + (i, p): 1 for p in ticked}}, '=', 0, f, 'identity', '')
    for d, D in W['dims'].items():
        Dv, ns, k, m = ('D', w) + g + (d,), {('N', w) + g + (i,): 1 for i in D['items']}, len(D['items']), D['min_answered']
        f = (w, 'd', d)
        M.add({Dv: 1, R: -1}, '<', 0, f, 'identity', '')
        M.add({**{v: -1 for v in ns}, Dv: m}, '<', 0, f, 'identity', '')                 # sum n >= m*D
        M.add({**ns, Dv: -(k - m + 1), R: -(m - 1)}, '<', 0, f, 'identity', '')            # sum n <= kD + (m-1)(R-D)
    for kp, K in W['kpis'].items():
        src = ('D', w) + g + (K['dimension'],) if K.get('dimension') else ('N', w) + g + (K['item'],) if K.get('item') else None
        if src:
            M.add({('K', w) + g + (kp,): 1, src: -1}, '=', 0, family(('K', w) + g + (kp,)), 'identity', '')
    for q, Q in W['ms'].items():
        B = ('B', w) + g + (q,)
        M.add({B: 1, R: -1}, '<', 0, (w, 'm', q), 'identity', '')
        opts = [('O', w) + g + (q, o['id']) for o in Q.get('options') or []]
        for o in opts:
            M.add({o: 1, B: -1}, '<', 0, (w, 'm', q), 'identity', '')
        if Q.get('max_picks') and W['clean']:
            M.add({**{o: 1 for o in opts}, B: -Q['max_picks']}, '<', 0, (w, 'm', q), 'identity', '')


def share_equations(w, W, g, fig):
    """Class 1: a published share or mean F/A is an exact fraction: A = b*k and F_j = a_j*k."""
    where = 'organisation' if g == ORG else f"{g[0]} '{g[1]}'"
    if fig['id'] in W['dims'] and 'favourable' in fig:
        items = W['dims'][fig['id']]['items']
        den = {('N', w) + g + (i,): 1 for i in items}
        nums = [(fig[k], {(kk, w) + g + (i,): 1 for i in items}, k)
                for k, kk in (('favourable', 'F'), ('neutral', 'E'), ('unfavourable', 'U'))]
        what = f"dimension {fig['id']}"
    else:
        K = W['kpis'][fig['id']]
        if not K.get('item'):
            return
        it, den = K['item'], {('N', w) + g + (K['item'],): 1}
        score = lambda p: W['flip'] - p if W['items'][it]['reverse'] else p
        pts = W['fav']
        num = {('C', w) + g + (it, p): (1 if score(p) in pts else 0) if K['kind'] == 'share' else score(p)
               for p in W['points']}
        nums, what = [(fig['value'], num, K['kind'])], f"KPI {fig['id']} ({K['kind']} of {it})"
    if all(v in M.known for v in den):
        return
    maxden = len(den) * max(M.known.get(('R', w) + g, W['org']), 1)
    fracs = [(exact_fraction(p, maxden), terms, lab) for p, terms, lab in nums]
    fracs = [f for f in fracs if f[0] is not None]
    if not fracs:
        return
    L = lcm(*[f.denominator for f, _, _ in fracs])
    k = M.aux(w)
    M.hi[k] = W['org'] * len(den)
    fam = family(next(iter(den)))
    known = ', '.join(f"{v[4]} n={M.val(v)}" for v in den)
    desc = '; '.join(f'{lab} {float(f)!r} = {f.numerator}/{f.denominator}' for f, _, lab in fracs)
    note = f'{where} {what}: {desc} of all item answers, so answers = {L}*k ({known})'
    M.add({**den, k: -L}, '=', 0, fam, 'share', note)
    for f, terms, lab in fracs:
        M.add({**terms, k: -f.numerator * (L // f.denominator)}, '=', 0, fam, 'share', note)


def accounting(w, W, fam):
    """Class 3: a segment whose values are the data files' names counts each file's rows."""
    stems = {os.path.splitext(os.path.basename(f['path'].replace('\\', '/')))[0]: f for f in W['files']}
    for s in W['segs']:
        vals = {g['value']: g['key'] for g in s['groups'] if g['value'] != ''}
        if s['parent'] is None and vals and set(vals) <= set(stems) and len(stems) > 1:
            for v, key in vals.items():
                f = stems[v]
                M.add({('R', w, s['id'], key): 1}, '=', f['rows_accepted'], fam, 'accounting',
                      f"data file {f['path']}: rows_accepted = {f['rows_accepted']} (segment {s['id']} takes file names)")


def weighting(w, W, byid, fam):
    """Class 4: rows without a weight are the respondents blank in a raking margin."""
    wt = W.get('weighting')
    if not wt or wt.get('rows_without_weight') is None:
        return
    rww, margins = wt['rows_without_weight'], [m for m in wt['margins'] if m in byid]
    blank = {m: ('R', w, m, next((g['key'] for g in byid[m]['groups'] if g['value'] == ''), None)) for m in margins}
    blank = {m: v for m, v in blank.items() if v[3] is not None}
    note = f"weighting: rows_without_weight = {rww} (blank in margins {', '.join(margins)})"
    if not blank:
        return
    cross = [s for s in W['segs'] if len(margins) == 2 and {s['parent'], s['across']} == set(margins)]
    if len(margins) == 1 or cross:
        terms = {v: 1 for v in blank.values()}
        if cross:
            c = next((g['key'] for g in cross[0]['groups'] if g['parent_key'] == blank.get(cross[0]['parent'], (0,) * 4)[3]
                      and g['across_key'] == blank.get(cross[0]['across'], (0,) * 4)[3]), None)
            if c is not None:
                terms[('R', w, cross[0]['id'], c)] = -1
        M.add(terms, '=', rww, fam, 'weighting', note)
    else:
        for v in blank.values():
            M.add({v: 1}, '<', rww, fam, 'weighting', note)
        M.add({v: -1 for v in blank.values()}, '<', -rww, fam, 'weighting', note)


# ------------------------------------------------------------------------------ solving
class Component:
    def __init__(self, rows, fam):
        wave, self.fam = fam[0], fam
        self.rows, self.vars = rows, sorted({v for r in rows for v in r[0]}, key=str)
        self.idx = {v: j for j, v in enumerate(self.vars)}
        self.mg = M.waves[wave]['min']
        self.ub = np.array([M.hi.get(v, M.waves[wave]['org'] * 10) for v in self.vars], float)
        self.lb = np.array([M.lo[v] for v in self.vars], float)

    def solver(self, drop=()):
        rows = [r for r in self.rows if r[4] not in drop]
        data, ri, ci, lo, hi = [], [], [], [], []
        for n, (terms, sense, rhs, *_) in enumerate(rows):
            for v, c in terms.items():
                data.append(c), ri.append(n), ci.append(self.idx[v])
            lo.append(rhs if sense == '=' else -np.inf), hi.append(rhs)
        A = coo_matrix((data, (ri, ci)), shape=(max(len(rows), 1), len(self.vars)))
        cons = LinearConstraint(A, lo or [0], hi or [0])

        def run(c):
            res = milp(c, constraints=cons, integrality=np.ones(len(self.vars)),
                       bounds=Bounds(self.lb, self.ub), options={'time_limit': 60})
            return np.round(res.x).astype(int) if res.status == 0 and res.x is not None else None
        return run

    def range(self, v, drop=()):
        run, e = self.solver(drop), np.zeros(len(self.vars))
        e[self.idx[v]] = 1
        lo, hi = run(e), run(-e)
        return (lo[self.idx[v]], hi[self.idx[v]]) if lo is not None and hi is not None else None

    def bound_all(self):
        """Exact (lo, hi) of every count that might be pinned or small; others are skipped."""
        run, n = self.solver(), len(self.vars)
        x = run(np.zeros(n))
        if x is None:
            M.notes.append(f'inconsistent constraints around {name(self.vars[0])} (model error?)')
            return {}
        smin, smax, rng = x.copy(), x.copy(), np.random.default_rng(7)
        for _ in range(3):
            y = run(rng.normal(size=n))
            if y is not None:
                smin, smax = np.minimum(smin, y), np.maximum(smax, y)
        while True:           # group test: counts only ever seen at their lower bound
            at_lb = (smax == self.lb) & np.array([v[0] != 'k' for v in self.vars])
            if not at_lb.any():
                break
            y = run(-at_lb.astype(float))
            if y is None or not (y[at_lb] > self.lb[at_lb]).any():
                break         # none of them can rise: all pinned at the lower bound (zero cells)
            smin, smax = np.minimum(smin, y), np.maximum(smax, y)
        pinned_lb = (smax == self.lb)
        out = {}
        for j, v in enumerate(self.vars):
            small = v[0] in COUNTS and smax[j] < mg_of(v)
            if v[0] == 'k' or (v[0] == 'R') != (self.fam[1] == 'R') or not (smin[j] == smax[j] or small):
                continue
            if pinned_lb[j]:
                out[v] = (int(self.lb[j]), int(self.lb[j]))
                continue
            e = np.zeros(n)
            e[j] = -1
            y = run(e)
            if y is None:
                continue
            smin, smax = np.minimum(smin, y), np.maximum(smax, y)
            if smin[j] != smax[j] and smax[j] >= mg_of(v):
                continue
            e[j] = 1
            y = run(e)
            if y is not None:
                smin, smax = np.minimum(smin, y), np.maximum(smax, y)
                out[v] = (int(smin[j]), int(smax[j]))
        return out


def mg_of(v):
    return M.waves[v[1]]['mincom' if v[0] == 'T' else 'min']


def components():
    fams = defaultdict(list)
    for c in M.cons:
        fams[c[3]].append(c)
    for fam, rows in fams.items():
        if 'min' not in M.waves.get(fam[0], {}):
            continue
        if fam[1] != 'R':
            rows = rows + fams.get((fam[0], 'R'), [])
        parent = {}

        def find(a):
            while parent.setdefault(a, a) != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a
        reduced = []
        for terms, sense, rhs, f, kind, note in rows:
            free = {v: c for v, c in terms.items() if v not in M.known and c}
            rest = rhs - sum(c * M.known[v] for v, c in terms.items() if v in M.known)
            if not free:
                if (sense == '=' and rest != 0) or (sense == '<' and rest < 0):
                    M.notes.append(f'published numbers disagree: {note or terms}')
                continue
            vs = list(free)
            for v in vs[1:]:
                parent[find(vs[0])] = find(v)
            find(vs[0])
            reduced.append((free, sense, rest, f, kind, note))
        groups = defaultdict(list)
        for r in reduced:
            groups[find(next(iter(r[0])))].append(r)
        for rows_c in groups.values():
            yield Component(rows_c, fam)


def classify(comp, v, pinned, own):
    """Which constraint kinds the finding needs: drop each and see whether it still holds."""
    def holds(drop):
        rg = comp.range(v, drop)
        return rg is not None and (rg[0] == rg[1] if pinned else rg[1] < mg_of(v))
    present = {r[4] for r in comp.rows} & set(SPECIAL)
    if not present or holds(present):
        return 'subtraction', ()
    nec = tuple(k for k in SPECIAL if k in present and not holds((k,)))
    label = '+'.join(nec) or 'combined'
    if 'share' in nec and not any(r[4] == 'share' and set(r[0]) & own for r in comp.rows):
        label = f'chain ({label})'
    return label, nec


def size_of(c, found):
    """Bounds of the number of respondents behind a cell: its group's or its figure's n."""
    w, seg, key, fig = c
    kind, rest = ('R', ()) if fig == 'respondents' else \
        ({'item': 'N', 'dimension': 'D', 'KPI': 'K', 'multi-select': 'B', 'comments': 'T'}[fig.split()[0]], (fig.split()[1],))
    v = (kind, w, seg, key) + rest
    if v in M.known:
        return M.known[v], M.known[v], mg_of(v)
    lo, hi = found.get(v, (M.lo[v], M.hi.get(v, 10 ** 9)))
    if (w, seg, key) in M.primary:
        hi = min(hi, M.waves[w]['min'] - 1)
    return lo, hi, mg_of(v)


# ------------------------------------------------------------------------------ main
def main(dirs):
    for d in dirs:
        load_dir(os.path.abspath(d))
    build()
    found, where = {}, {}
    for comp in components():
        for v, (lo, hi) in comp.bound_all().items():
            old = found.get(v, (lo, hi))
            found[v] = (max(lo, old[0]), min(hi, old[1]))
            if found[v] != old or v not in where:
                where[v] = comp
    cells = defaultdict(list)
    for v, (lo, hi) in found.items():
        grp = (v[1], v[2], v[3])
        small_group = grp in M.primary or (v[0] != 'R' and found.get(('R',) + grp, (0, 10 ** 9))[1] < mg_of(v))
        if (lo == hi and hi > 0) or (v[0] in COUNTS and 0 < hi < mg_of(v) and not small_group):
            cells[cell(v)].append(v)
    per_class = defaultdict(lambda: [0, 0])
    for c in sorted(cells, key=str):
        if all(v[0] == 'X' for v in cells[c]):
            continue                  # only "how many skipped the item": shown with the item, not alone
        vs = sorted(cells[c], key=lambda v: 'RNDKBTFEUCOX'.index(v[0]))
        rep, comp = vs[0], where[vs[0]]
        own = {u for u in comp.vars if u[0] != 'k' and cell(u) == c}
        label, nec = classify(comp, rep, found[rep][0] == found[rep][1], own)
        lo, hi, mg = size_of(c, found)
        small = hi < mg
        per_class[(c[0], label)][0] += 1
        per_class[(c[0], label)][1] += small
        size = f'{lo}' if lo == hi else f'{lo}..{hi}' if hi < 10 ** 9 else f'>={lo}'
        vals = ', '.join(f"{what(v)} {found[v][0] if found[v][0] == found[v][1] else f'{found[v][0]}..{found[v][1]}'}"
                         for v in vs)
        print(f"RECOVERED [{label}] {c[0]}: {where_(c)} {c[3]} ({size} respondents"
              f"{', UNDER THE MINIMUM' if small else ''}): {vals}")
        used = [r for r in comp.rows if r[5] and (r[4] in nec + ('partition',) or rep in r[0])
                and set(r[0]) & (own | {('R',) + rep[1:4]})]
        used.sort(key=lambda r: (rep not in r[0], r[4] != 'share'))
        for note in list(dict.fromkeys(r[5] for r in used))[:4]:
            print(f'    using {note}')
    for v in sorted((v for v in M.hidden if v in M.known), key=str):
        per_class[(v[1], 'published elsewhere')][0] += 1
        per_class[(v[1], 'published elsewhere')][1] += M.known[v] < mg_of(v)
        print(f'RECOVERED [published elsewhere] {name(v)} = {M.known[v]} from {M.src[v]} (withheld in report.json)')
    for n in M.notes:
        print('note:', n)
    zero = sum(1 for v, (lo, hi) in found.items() if hi == 0)
    print(f'attacker: {zero} withheld counts pinned to 0 (zero cells, the documented exception; not counted)')
    for (w, label), (n, small) in sorted(per_class.items()):
        print(f'attacker: {w}: {n} withheld figures recovered by {label} ({small} of groups under the minimum)')
    total = sum(n for n, _ in per_class.values())
    print(f'attacker: {total} recovered')
    return 1 if total else 0


def where_(c):
    return where(('', c[0], c[1], c[2]))


M = Model()
if __name__ == '__main__':
    if len(sys.argv) < 2:
        sys.exit(__doc__.split('\n\n')[0] + '\nusage: attack.py DIR [DIR ...]')
    sys.exit(main(sys.argv[1:]))
