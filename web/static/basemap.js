/* The offline basemap: wangge's own vector tiles (/tiles/{layer}/{z}/{x}/{y}.mvt) drawn by
 * Leaflet.VectorGrid under every map, with the names of areas and rivers as labels.
 *
 * wanggeBasemap(map, layers): `layers` is [{name, minZoom, labelZoom, labelMaxZoom}, …] in drawing
 * order (web/basemap.py passes geo.tiles.mvt.LAYERS). Label points (layers "<name>_labels") are
 * drawn as text, in a pane above the map's own layers: VectorGrid draws points as circles, so a
 * point style with `text` is drawn as that text instead, outlined in white to stay legible.
 */
(function () {
  "use strict";

  var drawCircle = L.Canvas.Tile.prototype._updateCircle;
  L.Canvas.Tile.include({
    _updateCircle: function (layer) {
      var o = layer.options;
      if (!o.text) { return drawCircle.call(this, layer); }
      if (!this._drawing || layer._empty()) { return; }
      var ctx = this._ctx, p = layer._point;
      ctx.save();
      ctx.font = o.font;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.lineJoin = "round";
      ctx.lineWidth = 3;
      ctx.strokeStyle = "rgba(255,255,255,0.92)";
      ctx.strokeText(o.text, p.x, p.y);
      ctx.fillStyle = o.color;
      ctx.fillText(o.text, p.x, p.y);
      ctx.restore();
    }
  });

  var FONT = '"Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif';
  var HIDDEN = {stroke: false, fill: false, radius: 0};

  function outline(color, weight, dash) {
    return {stroke: true, color: color, weight: weight, dashArray: dash, fill: false, opacity: 0.9};
  }

  function label(size, weight, color) {
    return function (p) {
      return p.name ? {text: p.name, font: weight + " " + size + "px " + FONT, color: color, radius: 1} : HIDDEN;
    };
  }

  var STREETS = {
    arterial: {color: "#c39b5f", weight: 3.5}, bridge: {color: "#c39b5f", weight: 3.5},
    street: {color: "#9c9c9c", weight: 2}, alley: {color: "#b8b8b8", weight: 1.2},
    path: {color: "#c4c4c4", weight: 0.9, dashArray: "3 2"}, gate: {color: "#6f6f6f", weight: 2},
    crossing: {color: "#6f6f6f", weight: 2.5}
  };
  var BARRIERS = {
    river: {fill: true, fillColor: "#b9d7ee", fillOpacity: 1, color: "#93bfe0", weight: 1},
    river_centerline: {color: "#93bfe0", weight: 1.5},
    railway: {color: "#6b6b6b", weight: 2.5, dashArray: "8 4"}
  };

  var STYLES = {
    buildings: {stroke: true, color: "#c7bcae", weight: 0.6, fill: true, fillColor: "#e6dfd5", fillOpacity: 1},
    barriers: function (p) {
      var s = BARRIERS[p.kind] || {color: "#7a7a7a", weight: 1.5};
      return L.extend({stroke: true, fill: false, opacity: 1}, s);
    },
    barriers_labels: function (p) {
      return label(12, "italic", p.kind === "railway" ? "#4d4d4d" : "#2f6e9e")(p);
    },
    streets: function (p) {
      return L.extend({stroke: true, fill: false, opacity: 1}, STREETS[p.kind] || STREETS.path);
    },
    grids: outline("#b3b3b3", 0.7),
    grids_labels: label(10, "normal", "#6a6a6a"),
    communities: outline("#8c8c8c", 1.3, "4 3"),
    communities_labels: label(12, "normal", "#4d4d4d"),
    streets_admin: outline("#6b6b6b", 2, "7 3"),
    streets_admin_labels: label(14, "bold", "#3d3d3d"),
    districts: outline("#4a4a4a", 3, "10 4"),
    districts_labels: label(16, "bold", "#2b2b2b")
  };

  function tiles(map, layer, styles, options) {
    return L.vectorGrid.protobuf("/tiles/" + layer.name + "/{z}/{x}/{y}.mvt", L.extend({
      rendererFactory: L.canvas.tile, vectorTileLayerStyles: styles, interactive: false,
      maxNativeZoom: 22, maxZoom: 22
    }, options)).addTo(map);
  }

  window.wanggeBasemap = function (map, layers) {
    map.getContainer().style.background = "#f4f1ea";
    // Names above the map's own layers (grid fills, circles), never catching the mouse.
    var pane = map.createPane("wanggeLabels");
    pane.style.zIndex = 450;
    pane.style.pointerEvents = "none";
    layers.forEach(function (layer, i) {
      var shapes = {}, names = {};
      shapes[layer.name] = STYLES[layer.name];
      shapes[layer.name + "_labels"] = HIDDEN;
      tiles(map, layer, shapes, {minZoom: layer.minZoom, zIndex: i + 1,
        attribution: i === 0 ? "底图：本系统数据（路网、楼栋、区划）" : undefined});
      if (layer.labelZoom !== null) {
        names[layer.name] = HIDDEN;
        names[layer.name + "_labels"] = STYLES[layer.name + "_labels"];
        tiles(map, layer, names, {minZoom: layer.labelZoom, maxZoom: layer.labelMaxZoom, pane: "wanggeLabels"});
      }
    });
  };
}());
