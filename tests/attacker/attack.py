#!/usr/bin/env python3
"""Independent privacy attacker for `engage` release folders.

Threat model: an outsider holds only what was published: release folders (report.json, the CSV
tables, report.xlsx, report.html), their bureau packs (packs/*/report.json and .xlsx) and wave
comparisons (compare.json, or `previous_wave` in report.json). The promise under attack: no count
of respondents, and no answer split (favourable / neutral / unfavourable or per scale point), of
a group smaller than `min_group_size` can be recovered, directly, by subtraction, or by any
combination of published numbers. This file shares no code with engage's suppression or audit.

Every published count goes into one knowledge base, every relation between counts becomes an
integer linear constraint, and every withheld count is bounded with scipy.optimize.milp:

  subtraction   a segment's groups add up to the organisation, nested groups to their parent, a
                cross's cells to their row and their column group, for every count: respondents,
                item answers per scale point, missing + not applicable, dimension / KPI n,
                multi-select base and picks, comments. Item n = sum of its points = respondents
                - missing - n/a; a figure's n <= respondents; a dimension score needs
                `min_answered` items; picks <= max_picks * base; `primary` groups hold 1..min-1
                respondents, `complementary` ones at least min.
  share         (class 1) a dimension's favourable / neutral / unfavourable shares are fractions
                F/A of its items' pooled answers. The exact a/b is recovered from the float by
                continued fractions and becomes A = b*k, F = a*k (k integer), which with the
                published items leaves a withheld item's (n, fav, neu, unf) few integer choices.
                Share and mean KPIs give the same equations on their item's counts.
  chain         (class 2) a value pinned through a share, then carried through the sums above.
  accounting    (class 3) rows_accepted per data file = the group of a segment whose values are
                the files' names (`column = "@file"`).
  weighting     (class 4) rows_without_weight = respondents blank in a raking margin; with two
                margins and their cross: blank A + blank B - blank (A x B).
  label         `suppression: primary` says 1..min-1 respondents, `complementary` at least min:
                with the sums, two primary groups adding up to 8 are 4 and 4.
  published elsewhere  a count that a CSV table, the workbook, the HTML page, a pack or a
                comparison publishes while report.json withholds it; `release` constraints: a
                compared crosswalk unit is the sum of its groups.

A finding is a withheld count pinned to one value > 0, or a withheld count of respondents whose
largest feasible value is under the minimum (but > 0). `primary` groups are 1..min-1 by design,
so for them only pinned values count. Counts pinned to 0 are the documented zero-cell exception.
Each finding is printed with the published numbers behind it; exit status 1 if anything was found.
"""
import csv, html, json, os, re, sys, zipfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from fractions import Fraction
from math import lcm
import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

SPECIAL = ('share', 'accounting', 'weighting', 'release', 'label')   # what a finding may need
COUNTS = 'RNDKB'                    # counts of respondents (group, item, dimension, KPI, multi-select)
ORG = ('*', '')                     # (segment, key) of the whole organisation
INF = 10 ** 9

# A count is a tuple (kind, wave, segment, key, *figure): R respondents, N item answers, C answers
# at one scale point, X missing + n/a, F/E/U favourable/neutral/unfavourable answers, D dimension n,
# K KPI n, B multi-select base, O picks of an option, T comments, k a multiplier of a share.
known, source = {}, {}              # published counts and where
hidden = set()                      # counts report.json withholds
cons = []                           # (terms {count: coef}, '=' | '<', rhs, family, kind, note)
lower, upper = defaultdict(int), {}
primary = set()                     # (wave, segment, key) of groups labelled primary
waves, notes = {}, []


def publish(var, value, src):
    if value is None:
        return
    if var in known and known[var] != int(value):
        notes.append(f'conflict: {name(var)} = {known[var]} ({source[var]}) but {value} ({src})')
    known.setdefault(var, int(value))
    source.setdefault(var, src)


def where(v):
    return 'organisation' if (v[2], v[3]) == ORG else f"{v[2]} '{v[3]}'"


def what(v):
    if v[0] in 'CO':
        return f'item {v[4]} answers={v[5]}' if v[0] == 'C' else f'multi-select {v[4]} option {v[5]}'
    return {'R': 'respondents', 'N': 'item {} n', 'X': 'item {} missing+n/a', 'F': 'item {} favourable',
            'E': 'item {} neutral', 'U': 'item {} unfavourable', 'D': 'dimension {} n', 'K': 'KPI {} n',
            'B': 'multi-select {} base', 'T': 'comments {}'}[v[0]].format(*v[4:5])


def name(v):
    return f'{v[1]}: {where(v)} {what(v)}'


def family(v):
    """Counts that share constraints (besides respondents) are solved together."""
    w, kind, W = v[1], v[0], waves[v[1]]
    if kind == 'R':
        return (w, 'R')
    if kind in 'NCXFEU':
        return (w, 'd', W['item_dim'].get(v[4]) or v[4])
    if kind in 'DK':
        return (w, 'd', v[4] if kind == 'D' else W['kpi_src'].get(v[4], v[4]))
    return (w, 'm' if kind in 'BO' else 't', v[4])


def cell(v):
    """The published figure a count belongs to: (wave, segment, key, figure)."""
    fig = {'R': 'respondents', 'D': 'dimension', 'K': 'KPI', 'B': 'multi-select', 'O': 'multi-select',
           'T': 'comments'}.get(v[0], 'item')
    return v[1:4] + (fig if v[0] == 'R' else f'{fig} {v[4]}',)


def mg_of(v):
    return waves[v[1]]['mincom' if v[0] == 'T' else 'min']


def exact_fraction(p, maxden):
    """The fraction a/b (b <= maxden) whose correctly rounded float is p, or None."""
    f = Fraction(p).limit_denominator(maxden) if isinstance(p, (int, float)) else None
    return f if f is not None and f.numerator / f.denominator == p else None


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
    """{sheet name: rows as lists of cell strings}, with the standard library only."""
    ns, z = '{http://schemas.openxmlformats.org/spreadsheetml/2006/main}', zipfile.ZipFile(path)
    text = lambda e: ''.join(t.text or '' for t in e.iter(ns + 't'))
    shared = [text(si) for si in ET.fromstring(z.read('xl/sharedStrings.xml')).findall(ns + 'si')] \
        if 'xl/sharedStrings.xml' in z.namelist() else []
    rels = {r.get('Id'): r.get('Target').lstrip('/') for r in ET.fromstring(z.read('xl/_rels/workbook.xml.rels'))}
    out = {}
    for sh in ET.fromstring(z.read('xl/workbook.xml')).find(ns + 'sheets'):
        target = rels[sh.get('{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id')]
        rows = []
        for row in ET.fromstring(z.read(target if target.startswith('xl/') else 'xl/' + target)).iter(ns + 'row'):
            cells = {}
            for c in row.findall(ns + 'c'):
                col = 0
                for ch in re.match(r'[A-Z]+', c.get('r')).group():
                    col = col * 26 + ord(ch) - 64
                v = c.find(ns + 'v')
                cells[col - 1] = shared[int(v.text)] if c.get('t') == 's' and v is not None else \
                    text(c) if c.get('t') == 'inlineStr' else v.text if v is not None else ''
            rows.append([cells.get(i, '') for i in range(max(cells, default=-1) + 1)])
        out[sh.get('name')] = rows
    return out


def html_table(path, table):
    """Rows of one table of report.html (<details id="table-NAME">), cells as text."""
    page = open(path, encoding='utf-8').read()
    m = re.search(rf'<details id="table-{table}">(.*?)</details>', page, re.S)
    return [[html.unescape(re.sub('<[^>]+>', '', c)).strip() for c in re.findall(r'<t[dh][^>]*>(.*?)</t[dh]>', tr, re.S)]
            for tr in re.findall(r'<tr>(.*?)</tr>', m.group(1), re.S)] if m else []


def as_int(x):
    m = re.fullmatch(r'(\d+)(\.0*)?', str(x).strip())
    return int(m.group(1)) if m else None


# ------------------------------------------------------------------------------ loading
def load_report(r, src, structural):
    w, sc = r['survey']['id'], r['survey']['scale']
    W = waves.setdefault(w, {'segs': [], 'item_dim': {}, 'kpi_src': {}, 'files': [], 'shares': []})
    if structural or 'items' not in W:
        W.update(min=r['survey']['min_group_size'], points=list(range(sc['min'], sc['max'] + 1)),
                 fav=set(sc['favourable']), unf=set(sc['unfavourable']), flip=sc['min'] + sc['max'],
                 items={i['id']: i for i in r['items']}, dims={d['id']: d for d in r['dimensions']},
                 kpis={k['id']: dict(k) for k in r['kpis']}, ms={q['id']: q for q in r['multi_select']},
                 org=r['responses']['accepted'], clean=r['responses']['problems'] == 0,
                 mincom=(r.get('free_text') or {}).get('min_comment_group_size', 10))
        W['item_dim'].update({i['id']: i['dimension'] for i in r['items']})
        for k in r['kpis']:       # a KPI's source: the one item (or dimension) with its n and value
            same = lambda lst, key: [x['id'] for x in lst if x.get('n') == k.get('n') is not None
                                     and x.get(key) == k.get('value')]
            items = same(r['items'], 'favourable' if k['kind'] == 'share' else 'mean')
            dims = same(r['dimensions'], 'mean') if k['kind'] == 'mean' else []
            if len(items) == 1:
                W['kpis'][k['id']]['item'] = items[0]
                W['kpi_src'][k['id']] = W['item_dim'][items[0]] or items[0]
            elif len(dims) == 1:
                W['kpis'][k['id']]['dimension'] = W['kpi_src'][k['id']] = dims[0]
    if structural:
        W.update(segs=r['segments'], files=r['inputs']['data'], weighting=(r.get('population') or {}).get('weighting'),
                 text=[(q['id'], s['id'], [g['key'] for g in s['groups']])
                       for q in (r.get('free_text') or {}).get('questions') or [] for s in q.get('segments') or []])
    publish(('R', w) + ORG, r['responses']['accepted'], src)
    figures(w, ORG, r, src, W, structural)
    for s in r['segments']:
        for g in s['groups']:
            R = ('R', w, s['id'], g['key'])
            if g['suppressed']:
                hidden.add(R)
                if g.get('suppression') == 'primary':
                    primary.add(R[1:])
                    lower[R], upper[R] = 1, W['min'] - 1
                elif g.get('suppression') == 'complementary':
                    lower[R] = W['min']
            publish(R, g['respondents'], src)
            figures(w, R[2:], g, src, W, structural)
    for q in r['multi_select']:
        publish(('B', w) + ORG + (q['id'],), q['base'], src)
        for o in q.get('options') or []:
            publish(('O', w) + ORG + (q['id'], o['id']), o.get('count'), src)
        for b in q.get('by_segment') or []:
            for g in b['groups']:
                publish(('B', w, b['segment'], g['group'], q['id']), g['base'], src)
                publish(('O', w, b['segment'], g['group'], q['id'], b['option']), g['count'], src)
    for q in (r.get('free_text') or {}).get('questions') or []:
        publish(('T', w) + ORG + (q['id'],), q.get('comments'), src)
        for s in q.get('segments') or []:
            for g in s['groups']:
                if g['withheld']:
                    hidden.add(('T', w, s['id'], g['key'], q['id']))
                publish(('T', w, s['id'], g['key'], q['id']), g.get('comments'), src)
    if r.get('previous_wave'):
        load_compare(r['previous_wave'], src + ' previous_wave')


def figures(w, grp, r, src, W, structural):
    """Items (n, points, missing, splits), dimension and KPI n of one group."""
    for i in r['items']:
        base = (w,) + grp + (i['id'],)
        if i['withheld']:
            hidden.update([('N',) + base, ('X',) + base] + [('C',) + base + (p,) for p in W['points']])
        elif structural or i.get('n') is not None:       # a group of nobody has figures without n
            counts = {c['value']: c['count'] for c in i.get('counts') or []}
            publish(('N',) + base, i.get('n') or 0, src)
            publish(('X',) + base, (i.get('missing') or 0) + (i.get('not_applicable') or 0), src)
            for p in W['points']:
                publish(('C',) + base + (p,), counts.get(p, 0), src)
            for kind, pts in split_points(W, i['id']).items():
                publish((kind,) + base, sum(counts.get(p, 0) for p in pts), src)
    for kind, figs in (('D', r['dimensions']), ('K', r['kpis'])):
        for d in figs:
            var = (kind, w) + grp + (d['id'],)
            if d['withheld']:
                hidden.add(var)
            elif structural or d.get('n') is not None:
                publish(var, d.get('n') or 0, src)
                if structural and d.get('favourable' if kind == 'D' else 'value') is not None:
                    W['shares'].append((grp, d))


def load_compare(c, src):
    wa, wb = c['a']['survey_id'], c['b']['survey_id']
    for fam, kind in (('kpis', 'K'), ('items', 'N'), ('dimensions', 'D')):
        for row in c.get(fam) or []:
            for side, w in (('a', wa), ('b', wb)):
                if not row['withheld'] and row.get(side):
                    publish((kind, w) + ORG + (row['id'],), row[side]['n'], src)
    for row in c.get('segments') or []:
        for side, w in (('a', wa), ('b', wb)):
            if row['withheld'] or not row.get(side):
                continue
            keys = row.get(side + '_groups') or [row['group']]
            if len(keys) == 1:
                publish(('D', w, row['segment'], keys[0], row['id']), row[side]['n'], src)
            else:
                cons.append(({('D', w, row['segment'], k, row['id']): 1 for k in keys}, '=', row[side]['n'],
                             (w, 'd', row['id']), 'release',
                             f"{src}: crosswalk unit {' + '.join(keys)} dimension {row['id']} n = {row[side]['n']}"))


def load_segment_table(rows, w, src):
    """The segments table in any format (CSV, workbook sheet, HTML): respondents and n by position."""
    types = []
    for row in rows[1:]:
        if len(row) >= 10:
            types += [row[6]] if row[6] not in types else []
            publish(('R', w, row[0], row[2]), as_int(row[4]), src)
            publish(('KDN'[min(types.index(row[6]), 2)], w, row[0], row[2], row[7]), as_int(row[9]), src)


def load_dir(d):
    for sub, _, files in sorted(os.walk(d)):
        src = os.path.relpath(sub, os.path.dirname(d.rstrip('/')))
        path = lambda f: os.path.join(sub, f)
        pack = 'packs' in os.path.relpath(sub, d).split(os.sep)
        if 'report.json' in files:
            r = json.load(open(path('report.json'), encoding='utf-8'))
            load_report(r, src + '/report.json', structural=not pack)
            w = r['survey']['id']
            if 'segments.csv' in files:
                load_segment_table(read_csv(path('segments.csv')), w, src + '/segments.csv')
            if 'data_quality.csv' in files and not pack:
                waves[w]['files'] = [{'path': row[0], 'rows_accepted': as_int(row[4])}
                                     for row in read_csv(path('data_quality.csv'))[1:] if row[0] != '(total)']
            if 'report.html' in files:
                load_segment_table(html_table(path('report.html'), 'segments'), w, src + '/report.html')
            if 'report.xlsx' in files:
                W, segs = waves[w], {s['id'] for s in waves[w]['segs']}
                for sheet, rows in read_xlsx(path('report.xlsx')).items():     # the segments sheet
                    if len(rows) > 1 and len(rows[1]) > 9 and rows[1][0] in segs and rows[1][7] in {**W['kpis'], **W['dims'], **W['items']}:
                        load_segment_table(rows, w, f'{src}/report.xlsx[{sheet}]')
        if 'compare.json' in files:
            load_compare(json.load(open(path('compare.json'), encoding='utf-8')), src + '/compare.json')


# ------------------------------------------------------------------------------ constraints
def build():
    for w, W in waves.items():
        if not W['segs']:
            continue
        byid = {s['id']: s for s in W['segs']}
        parts = []                      # (total group, member groups, description)
        for s in W['segs']:
            if s['parent'] is None:
                parts.append((ORG, [(s['id'], g['key']) for g in s['groups']], f"{s['id']} groups add up to the organisation"))
            for link, parent in (('parent_key', s['parent']), ('across_key', s['across'])):
                for pg in byid[parent]['groups'] if parent else []:
                    parts.append(((parent, pg['key']), [(s['id'], g['key']) for g in s['groups'] if g[link] == pg['key']],
                                  f"{s['id']} groups in {parent} '{pg['key']}' add up to it"))
        templates = [('R',)] + [('D', d) for d in W['dims']] + [('K', k) for k in W['kpis']]
        for i in W['items']:
            templates += [('N', i), ('X', i)] + [('C', i, p) for p in W['points']]
        for q, Q in W['ms'].items():
            templates += [('B', q)] + [('O', q, o['id']) for o in Q.get('options') or []]
        for tot, mem, desc in parts:
            for t in templates:
                total = (t[0], w) + tot + t[1:]
                terms = {(t[0], w) + g + t[1:]: 1 for g in mem}
                terms[total] = terms.get(total, 0) - 1
                pub = [known[v] for v in terms if v != total and v in known]
                unk = [f"'{v[3]}' ?" for v in terms if v != total and v not in known]
                shown = ' + '.join(unk[:5] + ['…'] * (len(unk) > 5) + [f'{sum(pub)} published in {len(pub)} groups'])
                cons.append((terms, '=', 0, family(total), 'partition',
                             f'{desc}: {where(total)} {what(total)} {known.get(total, "?")} = {shown}'))
        for q, seg, keys in W['text']:
            T = ('T', w) + ORG + (q,)
            if seg in byid and len(keys) == len(byid[seg]['groups']) and T in known:
                cons.append(({('T', w, seg, k, q): 1 for k in keys}, '=', known[T], (w, 't', q), 'partition',
                             f'comments {q} of the {seg} groups add up to {known[T]}'))
            for k in keys:
                cons.append(({('T', w, seg, k, q): 1, ('R', w, seg, k): -1}, '<', 0, (w, 't', q), 'identity', ''))
        for g in [ORG] + [(s['id'], g['key']) for s in W['segs'] for g in s['groups']]:
            identities(w, W, g)
        for g, fig in W['shares']:
            share_equations(w, W, g, fig)
        accounting(w, W)
        weighting(w, W, byid)


def split_points(W, item):
    """Ticked scale points that count as favourable (F), neutral (E), unfavourable (U)."""
    score = lambda p: W['flip'] - p if W['items'][item]['reverse'] else p
    return {k: [p for p in W['points'] if score(p) in pts] for k, pts in
            (('F', W['fav']), ('U', W['unf']), ('E', set(W['points']) - W['fav'] - W['unf']))}


def identities(w, W, g):
    R = ('R', w) + g
    add = lambda terms, sense, f, note='': cons.append((terms, sense, 0, f, 'identity', note))
    for i in W['items']:
        N, X, f = ('N', w) + g + (i,), ('X', w) + g + (i,), family(('N', w) + g + (i,))
        add({N: -1, **{('C', w) + g + (i, p): 1 for p in W['points']}}, '=', f)
        if W['clean']:                  # no out-of-range answers kept: respondents = n + missing + n/a
            add({R: 1, N: -1, X: -1}, '=', f, f'{where(R)} respondents {known.get(R, "?")} = {i} n {known.get(N, "?")} + missing/na {known.get(X, "?")}')
        for kind, ticked in split_points(W, i).items():
            add({(kind, w) + g + (i,): -1, **{('C', w) + g + (i, p): 1 for p in ticked}}, '=', f)
    for d, dim in W['dims'].items():
        D, ns, k, m = ('D', w) + g + (d,), {('N', w) + g + (i,): 1 for i in dim['items']}, len(dim['items']), dim['min_answered']
        add({D: 1, R: -1}, '<', family(D))
        add({**{v: -1 for v in ns}, D: m}, '<', family(D))                          # sum of n >= m * D
        add({**ns, D: -(k - m + 1), R: -(m - 1)}, '<', family(D))                   # <= k D + (m-1)(R - D)
    for kp, K in W['kpis'].items():
        src = ('D', w) + g + (K['dimension'],) if K.get('dimension') else ('N', w) + g + (K['item'],) if K.get('item') else None
        if src:
            add({('K', w) + g + (kp,): 1, src: -1}, '=', family(src))
    for q, Q in W['ms'].items():
        B, opts = ('B', w) + g + (q,), [('O', w) + g + (q, o['id']) for o in Q.get('options') or []]
        add({B: 1, R: -1}, '<', (w, 'm', q))
        for o in opts:
            add({o: 1, B: -1}, '<', (w, 'm', q))
        if Q.get('max_picks') and W['clean']:
            add({**{o: 1 for o in opts}, B: -Q['max_picks']}, '<', (w, 'm', q))


def share_equations(w, W, g, fig):
    """Class 1: a published share or mean F/A is an exact fraction a/b: A = b*k, F = a*k."""
    if 'favourable' in fig:             # a dimension: shares of its items' pooled answers
        items = W['dims'][fig['id']]['items']
        den = {('N', w) + g + (i,): 1 for i in items}
        nums = [(fig[lab], {(kind, w) + g + (i,): 1 for i in items}, lab)
                for lab, kind in (('favourable', 'F'), ('neutral', 'E'), ('unfavourable', 'U'))]
        label = f"dimension {fig['id']}"
    else:                               # a KPI over one item: share of points, or mean
        K = W['kpis'][fig['id']]
        if not K.get('item'):
            return
        it = K['item']
        den, score = {('N', w) + g + (it,): 1}, lambda p: W['flip'] - p if W['items'][it]['reverse'] else p
        num = {('C', w) + g + (it, p): (score(p) in W['fav']) if K['kind'] == 'share' else score(p) for p in W['points']}
        nums, label = [(fig['value'], num, K['kind'])], f"KPI {fig['id']} ({K['kind']} of {it})"
    if all(v in known for v in den):
        return
    maxden = len(den) * max(known.get(('R', w) + g, W['org']), 1)
    fracs = [(exact_fraction(p, maxden), terms, lab) for p, terms, lab in nums]
    fracs = [f for f in fracs if f[0] is not None]
    if not fracs:
        return
    L, k = lcm(*[f.denominator for f, _, _ in fracs]), ('k', w, len(cons))
    upper[k] = W['org'] * len(den)
    note = (f"{where(('', w) + g)} {label}: " + '; '.join(f'{lab} {float(f)!r} = {f.numerator}/{f.denominator}'
            for f, _, lab in fracs) + f" of all its answers, so answers = {L}*k ("
            + ', '.join(f'{v[4]} n={known.get(v, "?")}' for v in den) + ')')
    cons.append(({**den, k: -L}, '=', 0, family(next(iter(den))), 'share', note))
    for f, terms, lab in fracs:
        cons.append(({**terms, k: -f.numerator * (L // f.denominator)}, '=', 0, family(next(iter(den))), 'share', note))


def accounting(w, W):
    """Class 3: a segment whose values are the data files' names counts each file's rows."""
    stems = {os.path.splitext(os.path.basename(f['path'].replace('\\', '/')))[0]: f for f in W['files']}
    for s in W['segs']:
        vals = {g['value']: g['key'] for g in s['groups'] if g['value'] != ''}
        if s['parent'] is None and len(stems) > 1 and vals and set(vals) <= set(stems):
            for v, key in vals.items():
                f = stems[v]
                if f['rows_accepted'] is None:      # withheld in this release
                    continue
                cons.append(({('R', w, s['id'], key): 1}, '=', f['rows_accepted'], (w, 'R'), 'accounting',
                             f"data file {f['path']}: rows_accepted {f['rows_accepted']} (segment {s['id']} is the file name)"))


def weighting(w, W, byid):
    """Class 4: rows without a weight are the respondents blank in a raking margin."""
    wt = W.get('weighting') or {}
    rww, margins = wt.get('rows_without_weight'), [m for m in wt.get('margins') or [] if m in byid]
    blank = {m: next((g['key'] for g in byid[m]['groups'] if g['value'] == ''), None) for m in margins}
    terms = {('R', w, m, key): 1 for m, key in blank.items() if key is not None}
    if rww is None or not terms:
        return
    note = f"weighting: rows_without_weight {rww} = respondents blank in margin {' or '.join(margins)}"
    cross = [s for s in W['segs'] if len(margins) == 2 and {s['parent'], s['across']} == set(margins)]
    if cross:                           # |blank A or blank B| = blank A + blank B - blank A x B
        s = cross[0]
        c = [g['key'] for g in s['groups'] if (g['parent_key'], g['across_key']) == (blank[s['parent']], blank[s['across']])]
        terms.update({('R', w, s['id'], c[0]): -1} if c else {})
    if len(margins) == 1 or cross:
        cons.append((terms, '=', rww, (w, 'R'), 'weighting', note))
    else:                               # each margin's blank group <= rww <= their sum
        cons.extend(({v: 1}, '<', rww, (w, 'R'), 'weighting', note) for v in terms)
        cons.append(({v: -1 for v in terms}, '<', -rww, (w, 'R'), 'weighting', note))


# ------------------------------------------------------------------------------ solving
class Component:
    """Withheld counts tied together by constraints, with the published ones substituted."""
    def __init__(self, rows, fam):
        self.fam, self.rows = fam, rows
        self.vars = sorted({v for r in rows for v in r[0]}, key=str)
        self.idx = {v: j for j, v in enumerate(self.vars)}
        self.ub = np.array([upper.get(v, waves[fam[0]]['org'] * 10) for v in self.vars], float)
        self.lb = np.array([lower[v] for v in self.vars], float)

    def solver(self, drop=()):
        rows = [r for r in self.rows if r[4] not in drop]
        labelled = np.array(['label' in drop and v[0] == 'R' for v in self.vars])   # primary: 1..min-1,
        lb, ub = np.where(labelled, 0, self.lb), np.where(labelled, waves[self.fam[0]]['org'], self.ub)  # compl.: >= min
        data, ri, ci = [], [], []
        for n, r in enumerate(rows):
            for v, c in r[0].items():
                data.append(c), ri.append(n), ci.append(self.idx[v])
        A = coo_matrix((data, (ri, ci)), shape=(max(len(rows), 1), len(self.vars)))
        lo = [r[2] if r[1] == '=' else -np.inf for r in rows] or [0]
        cons_ = LinearConstraint(A, lo, [r[2] for r in rows] or [0])

        def run(c):
            res = milp(c, constraints=cons_, integrality=np.ones(len(self.vars)),
                       bounds=Bounds(lb, ub), options={'time_limit': 60})
            return np.round(res.x).astype(int) if res.status == 0 and res.x is not None else None
        return run

    def range(self, v, drop=()):
        run, e = self.solver(drop), np.zeros(len(self.vars))
        e[self.idx[v]] = 1
        lo, hi = run(e), run(-e)
        return None if lo is None or hi is None else (lo[self.idx[v]], hi[self.idx[v]])

    def bound_all(self):
        """Exact (lo, hi) of every count that might be pinned or small; the others are skipped."""
        run, n = self.solver(), len(self.vars)
        x = run(np.zeros(n))
        if x is None:
            notes.append(f'no solution around {name(self.vars[0])}: the published numbers contradict the model')
            return {}
        smin, smax, rng = x.copy(), x.copy(), np.random.default_rng(7)
        seen = lambda y: (np.minimum(smin, y), np.maximum(smax, y)) if y is not None else (smin, smax)
        for _ in range(3):              # a few random directions show which counts can move
            smin, smax = seen(run(rng.normal(size=n)))
        aux = np.array([v[0] == 'k' for v in self.vars])
        while True:                     # group test of the counts only seen at their lower bound
            at_lb = (smax == self.lb) & ~aux
            y = run(-at_lb.astype(float)) if at_lb.any() else None
            if y is None or not (y[at_lb] > self.lb[at_lb]).any():
                pinned_lb = at_lb if y is not None else np.zeros(n, bool)
                break                   # none of them can rise: all pinned at the lower bound
            smin, smax = seen(y)
        out = {}
        for j, v in enumerate(self.vars):
            if aux[j] or (v[0] == 'R') != (self.fam[1] == 'R') or not (smin[j] == smax[j] or
                                                                        v[0] in COUNTS and smax[j] < mg_of(v)):
                continue
            if pinned_lb[j]:
                out[v] = (int(self.lb[j]),) * 2
                continue
            e = np.zeros(n)
            e[j] = -1
            smin, smax = seen(run(e))
            if smin[j] != smax[j] and smax[j] >= mg_of(v):
                continue
            e[j] = 1
            y = run(e)
            if y is not None:
                smin, smax = seen(y)
                out[v] = (int(smin[j]), int(smax[j]))
        return out


def components():
    fams = defaultdict(list)
    for c in cons:
        fams[c[3]].append(c)
    for fam, rows in fams.items():
        if 'min' not in waves.get(fam[0], {}):
            continue
        rows = rows + (fams.get((fam[0], 'R'), []) if fam[1] != 'R' else [])
        parent, reduced = {}, []

        def find(a):
            while parent.setdefault(a, a) != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a
        for terms, sense, rhs, f, kind, note in rows:
            free = {v: c for v, c in terms.items() if v not in known and c}
            rest = rhs - sum(c * known[v] for v, c in terms.items() if v in known)
            if not free:
                if (sense == '=' and rest != 0) or (sense == '<' and rest < 0):
                    notes.append(f'published numbers disagree: {note or terms}')
                continue
            for v in list(free)[1:]:
                parent[find(next(iter(free)))] = find(v)
            reduced.append((free, sense, rest, f, kind, note))
        groups = defaultdict(list)
        for r in reduced:
            groups[find(next(iter(r[0])))].append(r)
        yield from (Component(rows_c, fam) for rows_c in groups.values())


def classify(comp, v, pinned, own):
    """Which constraint kinds the finding needs: drop each kind and see whether it still holds."""
    def holds(drop):
        rg = comp.range(v, drop)
        return rg is not None and (rg[0] == rg[1] if pinned else rg[1] < mg_of(v))
    present = {r[4] for r in comp.rows} & set(SPECIAL) | ({'label'} if any(u[0] == 'R' and lower[u] for u in comp.vars) else set())
    if not present or holds(present):
        return 'subtraction', ()
    need = tuple(k for k in SPECIAL if k in present and not holds((k,)))
    label = '+'.join(need) or 'combined'
    if 'share' in need and not any(r[4] == 'share' and set(r[0]) & own for r in comp.rows):
        label = f'chain ({label})'
    return label, need


def size_of(c, found):
    """Bounds of the respondents behind a figure: its group's respondents or the figure's n."""
    w, seg, key, fig = c
    R = ('R', w, seg, key)
    v = R if fig == 'respondents' else ({'item': 'N', 'dimension': 'D', 'KPI': 'K', 'multi-select': 'B',
                                         'comments': 'T'}[fig.split()[0]], w, seg, key, fig.split()[1])
    if v in known:
        return known[v], known[v], mg_of(v)
    lo, hi = found.get(v, (lower[v], upper.get(v, INF)))
    r_hi = known.get(R, found.get(R, (0, upper.get(R, INF)))[1])
    return lo, min(hi, r_hi), mg_of(v)


# ------------------------------------------------------------------------------ main
def main(dirs):
    for d in dirs:
        load_dir(os.path.abspath(d))
    build()
    found, home = {}, {}
    for comp in components():
        for v, (lo, hi) in comp.bound_all().items():
            old = found.get(v, (lo, hi))
            found[v] = (max(lo, old[0]), min(hi, old[1]))
            if found[v] != old or v not in home:
                home[v] = comp
    cells = defaultdict(list)
    for v, (lo, hi) in found.items():
        grp = v[1:4]
        small_group = grp in primary or (v[0] != 'R' and found.get(('R',) + grp, (0, INF))[1] < mg_of(v))
        if (lo == hi and hi > 0) or (v[0] in COUNTS and 0 < hi < mg_of(v) and not small_group):
            cells[cell(v)].append(v)
    per_class, shown = defaultdict(lambda: [0, 0]), lambda v: '{}'.format(found[v][0]) if found[v][0] == found[v][1] \
        else '{}..{}'.format(*found[v])
    for c in sorted(cells, key=str):
        vs = sorted(cells[c], key=lambda v: 'RNDKBTFEUCOX'.index(v[0]))
        if vs[0][0] == 'X':
            continue                    # only how many skipped the item: not a count of answers
        rep, comp = vs[0], home[vs[0]]
        own = {u for u in comp.vars if u[0] != 'k' and cell(u) == c}
        label, need = classify(comp, rep, found[rep][0] == found[rep][1], own)
        lo, hi, mg = size_of(c, found)
        per_class[(c[0], label)][0] += 1
        per_class[(c[0], label)][1] += hi < mg
        size = f'{lo}' if lo == hi else f'{lo}..{hi}' if hi < INF else f'>={lo}' if lo else 'unknown'
        print(f"RECOVERED [{label}] {c[0]}: {where(('',) + c)} {c[3]} ({size} respondents"
              f"{', UNDER THE MINIMUM' if hi < mg else ''}): " + ', '.join(f'{what(v)} {shown(v)}' for v in vs))
        used = [r for r in comp.rows if r[5] and (r[4] in need + ('partition',) or rep in r[0])
                and set(r[0]) & (own | {('R',) + rep[1:4]})]
        used.sort(key=lambda r: (rep not in r[0], r[4] != 'share'))
        for r in list({r[5]: r for r in used}.values())[:3]:
            others = [f'{where(u)}={shown(u)}' for u in r[0] if u not in own and u in found and found[u][0] == found[u][1]]
            print(f'    using {r[5]}' + (f"  [where {', '.join(others[:3])} (pinned)]" if others else ''))
    for v in sorted((v for v in hidden if v in known), key=str):
        per_class[(v[1], 'published elsewhere')][0] += 1
        per_class[(v[1], 'published elsewhere')][1] += known[v] < mg_of(v)
        print(f'RECOVERED [published elsewhere] {name(v)} = {known[v]} from {source[v]} (withheld in report.json)')
    for n in notes:
        print('note:', n)
    print(f'attacker: {sum(1 for lo, hi in found.values() if hi == 0)} withheld counts pinned to 0 '
          '(zero cells, the documented exception; not counted)')
    for (w, label), (n, small) in sorted(per_class.items()):
        print(f'attacker: {w}: {n} withheld figures recovered by {label} ({small} of them under the minimum)')
    total = sum(n for n, _ in per_class.values())
    print(f'attacker: {total} recovered')
    return 1 if total else 0


if __name__ == '__main__':
    if len(sys.argv) < 2:
        sys.exit('usage: attack.py DIR [DIR ...]  (release folders, with their packs/; compare folders)')
    sys.exit(main(sys.argv[1:]))
