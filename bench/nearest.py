"""Nearest-station walking distance for 100,000 buildings: ours beside networkx.

    PYTHONPATH=. python -m bench.nearest [--buildings 100000] [--stations 100] [--repeat 7] [--seed N]

Target: once the graph is loaded, the walking distance from every one of ≥ 100,000
buildings to its nearest station in 0.2 s or less: one multi-source Dijkstra
(geo.network.reach.nearest_source) and the step from nodes to buildings (geo.network.reach.to_points).
Snapping the buildings onto the network is done once and reported apart. The reference
is networkx's multi_source_dijkstra on the same graph; its distances must equal ours.
No database is needed: the graph is built from the generated arrays.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from bench import network as netgen


def main() -> None:
    import networkx as nx
    import scipy
    import shapely

    from geo.network.graph import from_arrays
    from geo.network.reach import nearest_source, to_points
    from geo.network.snap import lonlat_to_points, snap

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buildings", type=int, default=100_000)
    parser.add_argument("--stations", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=7, help="warm repetitions of the timed step")
    parser.add_argument("--check", type=int, default=2000, help="buildings routed by networkx as nodes, to check")
    parser.add_argument("--seed", type=int, default=netgen.DEFAULT_SEED)
    args = parser.parse_args()
    started, load_before = time.perf_counter(), " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"bench.nearest  seed {args.seed}, {os.cpu_count()} CPUs, load average {load_before}; "
          f"shapely {shapely.__version__} (GEOS {shapely.geos_version_string}), scipy {scipy.__version__}, "
          f"networkx {nx.__version__}", flush=True)

    net = netgen.generate(seed=args.seed)
    t = time.perf_counter()
    graph = from_arrays(*net.arrays())
    t_graph = time.perf_counter() - t
    b_lon, b_lat = net.buildings(args.buildings, seed=args.seed + 3)
    s_lon, s_lat = net.stations(args.stations, seed=args.seed + 4)

    # (a) snapping, done once
    t = time.perf_counter()
    _ = graph.tree  # built once, cached on the graph
    t_tree = time.perf_counter() - t
    t = time.perf_counter()
    buildings = snap(graph, lonlat_to_points(graph, b_lon, b_lat))
    t_snap_b = time.perf_counter() - t
    t = time.perf_counter()
    stations = snap(graph, lonlat_to_points(graph, s_lon, s_lat))
    t_snap_s = time.perf_counter() - t

    # (b) one multi-source Dijkstra + nodes → buildings; the first run also builds the adjacency (cached)
    def once() -> tuple[float, float, tuple]:
        t0 = time.perf_counter()
        node_dist, node_src = nearest_source(graph, stations)
        t1 = time.perf_counter()
        dist, src = to_points(graph, node_dist, node_src, buildings, stations)
        t2 = time.perf_counter()
        return t1 - t0, t2 - t1, (node_dist, node_src, dist, src)

    cold_d, cold_p, _ = once()
    warm = [once() for _ in range(args.repeat)]
    node_dist, node_src, dist, src = warm[-1][2]
    totals = [d + p for d, p, _ in warm]
    median = statistics.median(totals)
    med_d = statistics.median(d for d, _, _ in warm)
    med_p = statistics.median(p for _, p, _ in warm)

    # Reference: networkx, the same network; each station a node joined to its edge's two ends.
    t = time.perf_counter()
    g = nx.Graph()
    g.add_weighted_edges_from(((int(u), int(v), float(w)) for u, v, w in zip(graph.u, graph.v, graph.length_m,
                                                                                strict=True)), weight="length")
    n = graph.n_nodes
    for i, (e, off) in enumerate(zip(stations.edge, stations.offset_m, strict=True)):
        g.add_edge(n + i, int(graph.u[e]), length=float(off))
        g.add_edge(n + i, int(graph.v[e]), length=float(graph.length_m[e] - off))
    t_nx_graph = time.perf_counter() - t
    sources = [n + i for i in range(len(stations.edge))]
    t = time.perf_counter()
    nx_dist, nx_paths = nx.multi_source_dijkstra(g, sources, weight="length")
    t_nx = time.perf_counter() - t
    t = time.perf_counter()
    nx.multi_source_dijkstra_path_length(g, sources, weight="length")
    t_nx_len = time.perf_counter() - t
    ref = np.array([nx_dist.get(i, np.inf) for i in range(n)])
    ref_src = np.array([nx_paths[i][0] - n if i in nx_paths else -1 for i in range(n)])
    node_diff = float(np.max(np.abs(ref - node_dist)))
    same_source = float(np.mean(ref_src == node_src))

    # Check the buildings too: a sample of them routed by networkx as nodes of their own.
    rng = np.random.default_rng(args.seed + 5)
    pick = rng.choice(len(buildings.edge), size=min(args.check, len(buildings.edge)), replace=False)
    by_edge: dict[int, list[int]] = {}
    for i, e in enumerate(stations.edge):
        by_edge.setdefault(int(e), []).append(i)
    base = n + len(sources)
    for k, b in enumerate(pick):
        e, off = int(buildings.edge[b]), float(buildings.offset_m[b])
        g.add_edge(base + k, int(graph.u[e]), length=off)
        g.add_edge(base + k, int(graph.v[e]), length=float(graph.length_m[e]) - off)
        for i in by_edge.get(e, []):  # a station on the same edge is reached straight along it
            g.add_edge(base + k, n + i, length=abs(off - float(stations.offset_m[i])))
    check_dist = nx.multi_source_dijkstra_path_length(g, sources, weight="length")
    building_diff = float(np.max(np.abs(np.array([check_dist[base + k] for k in range(len(pick))]) - dist[pick])))

    verdict = "met" if median <= 0.2 else "NOT met"
    print()
    print(f"Nearest station: {len(buildings.edge):,} buildings (8–60 m off the streets), {len(stations.edge)} stations, "
          f"{len(graph.edge_ids):,} edges / {n:,} nodes")
    print(f"  {'':<62} {'seconds':>9}")
    print(f"  {'graph from arrays (geo.network.graph.from_arrays; not timed below)':<62} {t_graph:9.3f}")
    print(f"  {'(a) snapping, once: STRtree over the edges':<62} {t_tree:9.3f}")
    print(f"  {'    buildings: lon/lat → UTM, snap':<62} {t_snap_b:9.3f}")
    print(f"  {'    stations: lon/lat → UTM, snap':<62} {t_snap_s:9.3f}")
    print(f"  {'(b) nearest_source + to_points, first run (builds adjacency)':<62} {cold_d + cold_p:9.3f}")
    print(f"  {f'    warm, median of {args.repeat} (min {min(totals):.3f}, max {max(totals):.3f})':<62} {median:9.3f}"
          f"   target ≤ 0.2 s: {verdict}")
    print(f"  {'      of which nearest_source (multi-source Dijkstra)':<62} {med_d:9.3f}")
    print(f"  {'      of which to_points (nodes → buildings)':<62} {med_p:9.3f}")
    print(f"  {'reference: networkx multi_source_dijkstra (dist + paths)':<62} {t_nx:9.3f}"
          f"   {t_nx / med_d:.0f}× our Dijkstra, {t_nx / median:.0f}× our (b)")
    print(f"  {'    multi_source_dijkstra_path_length (dist only, no station)':<62} {t_nx_len:9.3f}"
          f"   {t_nx_len / med_d:.0f}× our Dijkstra")
    print(f"  {'    (building the networkx graph, not timed above)':<62} {t_nx_graph:9.3f}")
    print(f"  check: max |ours − networkx| over {n:,} nodes: {node_diff:.2e} m; "
          f"same nearest station at {same_source:.2%} of nodes")
    print(f"  check: {len(pick):,} buildings routed by networkx as nodes: max |ours − networkx| {building_diff:.2e} m")
    print(f"  distances: median {np.median(dist):.0f} m, 95th percentile {np.percentile(dist, 95):.0f} m, "
          f"max {dist.max():.0f} m; unreachable {int(np.sum(~np.isfinite(dist)))}")
    print(f"  load average (1/5/15 min) before: {load_before}, after: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; total run {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
