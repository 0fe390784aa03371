//! The spread graph, drawn by Ward as inline SVG: one column per hop from patient zero (so time
//! flows left to right), hosts in a column ordered by infection time, tall columns wrapped so a
//! hundred hosts still read. Hovering a host or a hop shows its details (`<title>`); the hop
//! table under each graph carries the same facts for print.

use super::{Page, time, weighing};
use crate::overview::{is_threat, is_worm};
use crate::text::clip;
use std::collections::{BTreeMap, VecDeque};
use ward_analytics::Case;
use ward_analytics::case::{Cluster, ClusterHost, Verdict};
use ward_event::Timestamp;

const NODE_W: i64 = 160;
const NODE_H: i64 = 26;
const COL_W: i64 = 220;
const ROW_H: i64 = 34;
const MARGIN: i64 = 16;
/// Hosts per column before a layer wraps into another column.
const MAX_ROWS: usize = 24;

/// The spread section: one graph per worm cluster (the outbreak), clusters that look like
/// administration folded away. Suspicious clusters are drawn apart, under "Needs a look".
pub(super) fn section(page: &mut Page, case: &Case) {
    let clusters = &case.spread.clusters;
    page.section("spread", "Spread");
    if clusters.iter().any(is_worm) {
        legend(page, "patient zero");
        for (n, c) in clusters.iter().enumerate().filter(|(_, c)| is_worm(c)) {
            card(page, n, c);
        }
    } else {
        page.raw("<p>No worm spread found.</p>");
    }
    if clusters.iter().any(|c| c.verdict == Verdict::Suspicious) {
        page.raw(
            "<p>Spread that is neither clearly a worm nor clearly administration is listed apart, under \
             <a href=\"#needs-a-look\">Needs a look</a>.</p>",
        );
    }
    let admin: Vec<_> = clusters
        .iter()
        .enumerate()
        .filter(|(_, c)| !is_threat(c))
        .collect();
    if !admin.is_empty() {
        page.raw("<details><summary>Spread that looks like administration (");
        page.text(&admin.len().to_string());
        page.raw(")</summary><p>Not counted as affected devices. Listed so you can check the judgement.</p>");
        for (n, c) in admin {
            card(page, n, c);
        }
        page.raw("</details>");
    }
    page.raw("</section>");
}

/// What the graph's marks mean.
/// `first` names the first host: "patient zero" for a worm, "first host" for spread that may be
/// an administrator's.
pub(super) fn legend(page: &mut Page, first: &str) {
    page.raw("<p class=\"legend\"><span class=\"swatch pz\"></span>");
    page.text(first);
    page.raw(
        " <span class=\"swatch clinical\"></span>clinical device <span class=\"swatch\"></span>other device. \
         Columns are hops from the ★ host; hover a host or an arrow for times and accounts.</p>",
    );
}

/// What the graph calls a cluster's first host.
pub(super) fn first_host(c: &Cluster) -> &'static str {
    if c.verdict == Verdict::Worm {
        "patient zero"
    } else {
        "first host"
    }
}

/// One cluster: its verdict with both scores, the signals behind them, its graph and its hops.
/// `n` is the cluster's index in the case, which keeps each graph's marker id unique.
pub(super) fn card(page: &mut Page, n: usize, c: &Cluster) {
    page.raw(&format!(
        "<article class=\"cluster {}\"><h3>",
        c.verdict.as_str()
    ));
    page.text(&format!("{} · {}", c.id, c.artefact));
    page.raw(&format!(" <span class=\"badge {}\">", c.verdict.as_str()));
    page.text(c.verdict.as_str());
    page.raw("</span></h3>");
    weighing::card(page, c);
    page.raw("<div class=\"graph\">");
    svg(page, n, c);
    page.raw("</div>");
    hops(page, c);
    page.raw("</article>");
}

/// A placed host: its column and row, and what the node shows.
struct Node<'a> {
    name: &'a str,
    host: Option<&'a ClusterHost>,
    col: i64,
    row: i64,
}

/// Places every host (and every hop end the cluster does not list) in columns by hop depth.
fn layout(c: &Cluster) -> Vec<Node<'_>> {
    let mut names: Vec<&str> = c.hosts.iter().map(|h| h.host.as_str()).collect();
    for e in &c.edges {
        for end in [e.from.as_str(), e.to.as_str()] {
            if !names.contains(&end) {
                names.push(end);
            }
        }
    }
    let depth = depths(c, &names);
    let infected = |name: &str| {
        c.hosts
            .iter()
            .find(|h| h.host == name)
            .and_then(|h| h.infected_at)
    };
    let mut layers: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for (i, name) in names.iter().enumerate() {
        layers
            .entry(depth.get(i).copied().unwrap_or(0))
            .or_default()
            .push(name);
    }
    let mut nodes = Vec::with_capacity(names.len());
    let mut col = 0i64;
    for (_, mut layer) in layers {
        layer.sort_by_key(|name| (infected(name).is_none(), infected(name), *name));
        for chunk in layer.chunks(MAX_ROWS) {
            for (row, name) in chunk.iter().enumerate() {
                let host = c.hosts.iter().find(|h| h.host == *name);
                nodes.push(Node {
                    name,
                    host,
                    col,
                    row: row as i64,
                });
            }
            col += 1;
        }
    }
    nodes
}

/// Hops from patient zero (breadth first along hops in time order); hosts no hop reaches from
/// there start from the other roots, and hosts only reachable through a loop go last.
fn depths(c: &Cluster, names: &[&str]) -> Vec<usize> {
    let index = |name: &str| names.iter().position(|n| *n == name);
    let mut edges: Vec<(usize, usize, Option<Timestamp>)> = c
        .edges
        .iter()
        .filter_map(|e| Some((index(&e.from)?, index(&e.to)?, e.time)))
        .collect();
    edges.sort_by_key(|e| (e.2.is_none(), e.2));
    let mut depth: Vec<Option<usize>> = vec![None; names.len()];
    let pz = c.patient_zero.as_deref().and_then(index);
    let unreached = (0..names.len()).filter(|i| !edges.iter().any(|e| e.1 == *i) && Some(*i) != pz);
    let roots: Vec<usize> = pz.into_iter().chain(unreached).collect();
    let mut queue: VecDeque<usize> = VecDeque::new();
    for r in roots {
        if let Some(slot) = depth.get_mut(r) {
            *slot = Some(0);
            queue.push_back(r);
        }
    }
    while let Some(at) = queue.pop_front() {
        let next = depth.get(at).copied().flatten().unwrap_or(0) + 1;
        for &(_, to, _) in edges.iter().filter(|e| e.0 == at) {
            if let Some(slot @ None) = depth.get_mut(to) {
                *slot = Some(next);
                queue.push_back(to);
            }
        }
    }
    let deepest = depth.iter().flatten().max().copied().unwrap_or(0);
    depth
        .into_iter()
        .map(|d| d.unwrap_or(deepest + 1))
        .collect()
}

fn svg(page: &mut Page, n: usize, c: &Cluster) {
    let nodes = layout(c);
    let cols = nodes.iter().map(|p| p.col).max().unwrap_or(0) + 1;
    let rows = nodes.iter().map(|p| p.row).max().unwrap_or(0) + 1;
    let (w, h) = (
        MARGIN * 2 + cols * COL_W - (COL_W - NODE_W),
        MARGIN * 2 + rows * ROW_H,
    );
    page.raw(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"spread\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" \
         height=\"{h}\" role=\"img\" aria-label=\"Spread graph of cluster {n}\"><defs><marker id=\"arrow{n}\" \
         viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">\
         <path d=\"M0,0 L10,5 L0,10 z\" class=\"arrowhead\"/></marker></defs>"
    ));
    let at = |name: &str| {
        nodes
            .iter()
            .find(|p| p.name == name)
            .map(|p| (MARGIN + p.col * COL_W, MARGIN + p.row * ROW_H))
    };
    for e in &c.edges {
        let (Some((x1, y1)), Some((x2, y2))) = (at(&e.from), at(&e.to)) else {
            continue;
        };
        let (sx, sy, ex, ey) = (x1 + NODE_W, y1 + NODE_H / 2, x2, y2 + NODE_H / 2);
        // Hops to the same or an earlier column bend out so they do not run through nodes.
        let bend = if ex > sx {
            (ex - sx) / 2
        } else {
            COL_W / 2 + (sy - ey).abs() / 4
        };
        page.raw(&format!(
            "<path class=\"hop\" marker-end=\"url(#arrow{n})\" d=\"M{sx},{sy} C{},{sy} {},{ey} {ex},{ey}\"><title>",
            sx + bend,
            ex - bend
        ));
        let account = e.account.as_deref().unwrap_or("unknown account");
        page.text(&format!(
            "{} → {} at {} as {}",
            e.from,
            e.to,
            time(e.time),
            account
        ));
        page.raw("</title></path>");
    }
    for p in &nodes {
        node(page, c, p);
    }
    page.raw("</svg>");
}

fn node(page: &mut Page, c: &Cluster, p: &Node<'_>) {
    let (x, y) = (MARGIN + p.col * COL_W, MARGIN + p.row * ROW_H);
    let pz = c.patient_zero.as_deref() == Some(p.name);
    let clinical = p.host.is_some_and(|h| h.clinical);
    let class = match (pz, clinical) {
        (true, true) => "node pz clinical",
        (true, false) => "node pz",
        (false, true) => "node clinical",
        (false, false) => "node",
    };
    page.raw(&format!("<g class=\"{class}\"><title>"));
    let mut tip = p.name.to_string();
    if pz {
        tip.push_str(&format!(" ({})", first_host(c)));
    }
    if let Some(h) = p.host {
        tip.push_str(&format!(
            "\nrole: {}",
            h.role.as_deref().unwrap_or("unknown")
        ));
        if h.clinical {
            tip.push_str("\nCLINICAL DEVICE");
        }
        tip.push_str(&format!(
            "\ninfected at: {}\nevidence: {} events",
            time(h.infected_at),
            h.evidence_count
        ));
        if !h.ips.is_empty() {
            tip.push_str(&format!("\nIP: {}", h.ips.join(", ")));
        }
    }
    // Newlines in a tooltip are ours, so they are kept (escaping would show them as `\n`).
    for (i, line) in tip.split('\n').enumerate() {
        if i > 0 {
            page.raw("\n");
        }
        page.text(line);
    }
    page.raw(&format!(
        "</title><rect x=\"{x}\" y=\"{y}\" width=\"{NODE_W}\" height=\"{NODE_H}\" rx=\"5\"/>"
    ));
    page.raw(&format!(
        "<text x=\"{}\" y=\"{}\">",
        x + 8,
        y + NODE_H / 2 + 5
    ));
    let mark = match (pz, clinical) {
        (true, _) => "★ ",
        (false, true) => "✚ ",
        _ => "",
    };
    page.text(&format!("{mark}{}", clip(p.name, 18)));
    page.raw("</text></g>");
}

/// The hops as a table, folded: the graph's facts in a form that prints and copies.
fn hops(page: &mut Page, c: &Cluster) {
    page.raw("<details><summary>Hops (");
    page.text(&c.edges.len().to_string());
    page.raw(")</summary><table>");
    page.head(&["time", "from", "to", "account", "evidence events"]);
    page.raw("<tbody>");
    let mut edges: Vec<_> = c.edges.iter().collect();
    edges.sort_by_key(|e| (e.time.is_none(), e.time));
    for e in edges {
        let account = e.account.clone().unwrap_or_else(|| "-".to_string());
        page.row(&[
            time(e.time),
            e.from.clone(),
            e.to.clone(),
            account,
            e.evidence.len().to_string(),
        ]);
    }
    page.raw("</tbody></table>");
    if !c.failed_attempts.is_empty() {
        page.raw("<p>Attempts that did not install:</p><table>");
        page.head(&["time", "from", "to"]);
        page.raw("<tbody>");
        for f in &c.failed_attempts {
            page.row(&[time(f.time), f.from.clone(), f.to.clone()]);
        }
        page.raw("</tbody></table>");
    }
    page.raw("</details>");
}
