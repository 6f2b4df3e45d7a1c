// What deck.gl draws: the terrain, the buildings (3-D), the front on the ground, the mother ship, the
// net, the carriers, the trails and the aircraft, built each tick from the scene's typed arrays; and, for many aircraft in
// the plan view on a software renderer, their icons and trails stamped on the CPU instead (raster.js).

import { COORDINATE_SYSTEM } from '@deck.gl/core';
import {
  BitmapLayer, IconLayer, PolygonLayer, ScatterplotLayer, SolidPolygonLayer,
} from '@deck.gl/layers';
import { MeshLayer, SpriteLayer, SegmentLayer } from './gl-layers.js';
import { City } from './city.js';
import { PixelCanvas, Stamps } from './raster.js';
import { frontLayers } from './front.js';
import { partyLayers } from './party.js';
import { LOST_SHOW_S } from './replay.js';
import { TRAIL_K } from './scene.js';
import { $, app, replay, selectedPos, state, viewState } from './app.js';
import { viewportNow } from './views.js';

const FLAT = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]; // plan view: z -> 0
const CARTESIAN = COORDINATE_SYSTEM.CARTESIAN;

/** The canvas over the map the CPU-stamped aircraft are drawn into (shown only in raster mode). */
export const raster = new PixelCanvas($('raster'));

// ---------------------------------------------------------------------------------------------
// layers

const cache = { setVersion: -1, posVersion: -1 };
const netBuf = { v: new Float32Array(0) };

function binaryData() {
  const s = app.scene, m = s.count;
  if (cache.setVersion !== s.setVersion) {
    cache.setVersion = s.setVersion;
    cache.frames = { value: s.frames.subarray(0, m * 4), size: 4 };
    cache.colors = { value: s.colors.subarray(0, m * 4), size: 4, normalized: true };
    cache.trailColors = { value: s.trailColors.subarray(0, TRAIL_K * m * 8), size: 4, normalized: true };
    cache.dropColors = { value: s.dropColors.subarray(0, m * 8), size: 4, normalized: true };
  }
  if (cache.posVersion !== s.posVersion) {
    cache.posVersion = s.posVersion;
    // a new descriptor object makes deck.gl upload that buffer again; unchanged ones are kept
    cache.craft = {
      length: m,
      attributes: {
        getPosition: { value: s.pos.subarray(0, m * 3), size: 3 },
        getHeading: { value: s.heading.subarray(0, m), size: 1 },
        getFrame: cache.frames,
      },
    };
    cache.trails = {
      length: TRAIL_K * m * 2,
      attributes: { getPosition: { value: s.trail.subarray(0, TRAIL_K * m * 6), size: 3 }, getColor: cache.trailColors },
    };
    cache.drops = {
      length: m * 2,
      attributes: { getPosition: { value: s.drops.subarray(0, m * 6), size: 3 }, getColor: cache.dropColors },
    };
  }
  return cache;
}

/** The net: a ring (2-D) or a wire dome (3-D); dashed when open. */
function netData(net, three) {
  const SEG = 96;
  const rings = three ? [0, 15, 30, 45, 60, 75].map((d) => (d * Math.PI) / 180) : [0];
  const merid = three ? 12 : 0;
  const total = rings.length * SEG + merid * 8;
  if (netBuf.v.length < total * 6) netBuf.v = new Float32Array(total * 6);
  const v = netBuf.v;
  let k = 0;
  const put = (x0, y0, z0, x1, y1, z1) => {
    const o = k * 6;
    v[o] = x0; v[o + 1] = y0; v[o + 2] = z0; v[o + 3] = x1; v[o + 4] = y1; v[o + 5] = z1;
    k++;
  };
  const { x, y, radius: R, open } = net;
  for (const phi of rings) {
    const r = R * Math.cos(phi), z = R * Math.sin(phi);
    for (let s = 0; s < SEG; s++) {
      if (open && s % 2) continue;
      const a0 = (s / SEG) * Math.PI * 2, a1 = ((s + 1) / SEG) * Math.PI * 2;
      put(x + r * Math.sin(a0), y + r * Math.cos(a0), z, x + r * Math.sin(a1), y + r * Math.cos(a1), z);
    }
  }
  for (let mdn = 0; mdn < merid; mdn++) {
    const a = (mdn / merid) * Math.PI * 2;
    for (let s = 0; s < 8; s++) {
      if (open && s % 2) continue;
      const p0 = (s / 8) * (Math.PI / 2), p1 = ((s + 1) / 8) * (Math.PI / 2);
      put(
        x + R * Math.cos(p0) * Math.sin(a), y + R * Math.cos(p0) * Math.cos(a), R * Math.sin(p0),
        x + R * Math.cos(p1) * Math.sin(a), y + R * Math.cos(p1) * Math.cos(a), R * Math.sin(p1),
      );
    }
  }
  return { length: k * 2, attributes: { getPosition: { value: v.subarray(0, k * 6), size: 3 } } };
}

function shipPolygon(ship, z) {
  const [cx, cy] = ship.centre_m, [hx, hy] = ship.half_m;
  // a rounded hull outline: an octagon inside the footprint
  const ex = hx * 0.35, ey = hy * 0.25;
  return [
    [cx - hx + ex, cy - hy, z], [cx + hx - ex, cy - hy, z], [cx + hx, cy - hy + ey, z], [cx + hx, cy + hy - ey, z],
    [cx + hx - ex, cy + hy, z], [cx - hx + ex, cy + hy, z], [cx - hx, cy + hy - ey, z], [cx - hx, cy - hy + ey, z],
  ];
}

export function buildLayers() {
  const { scene, terrain, atlas, rasterMode } = app;
  const layers = [];
  const three = state.view === '3d';
  // plan view: everything flattened onto the sea (z -> 0) so altitude never clips or shifts a marker
  const common = three ? { coordinateSystem: CARTESIAN } : { coordinateSystem: CARTESIAN, modelMatrix: FLAT };
  if (terrain) {
    layers.push(new BitmapLayer({ ...common, id: 'terrain', image: terrain.canvas, bounds: terrain.bounds, textureParameters: { minFilter: 'linear', magFilter: 'nearest' } }));
  }
  if (!scene || !state.frames) return layers;
  const s = scene;
  if (three && replay.terrain) {
    if (!app.city) app.city = new City(replay.head.map, replay.terrain);
    if (!app.city.empty) layers.push(new MeshLayer({ ...common, id: 'buildings', data: app.city.meshFor(viewportNow()) }));
  }
  layers.push(...frontLayers(common, three));
  const ship = replay.head.ship;
  if (ship) {
    const base = three ? ship.centre_m[2] - ship.half_m[2] : 0;
    layers.push(new PolygonLayer({
      ...common, id: 'ship', data: [{ polygon: shipPolygon(ship, base) }], getPolygon: (d) => d.polygon,
      extruded: three, wireframe: three, getElevation: 2 * ship.half_m[2], getFillColor: three ? [30, 24, 40, 200] : [10, 6, 18, 165],
      stroked: !three, getLineColor: [170, 120, 255, 230], getLineWidth: 1.5, lineWidthUnits: 'pixels',
      material: { ambient: 0.5, diffuse: 0.5 },
    }));
  }
  if (s.net) {
    const n = s.net;
    if (!three) {
      const ring = [];
      for (let a = 0; a < 64; a++) ring.push([n.x + n.radius * Math.sin((a / 64) * Math.PI * 2), n.y + n.radius * Math.cos((a / 64) * Math.PI * 2)]);
      layers.push(new SolidPolygonLayer({
        ...common, id: 'net-fill', data: [ring], getPolygon: (r) => r, getFillColor: n.open ? [120, 220, 255, 14] : [120, 220, 255, 22],
        updateTriggers: { getPolygon: [n.x, n.y, n.radius] },
      }));
    }
    layers.push(new SegmentLayer({
      ...common, id: 'net', data: netData(n, three), getColor: n.open ? [170, 240, 255, 235] : [110, 200, 240, three ? 80 : 160],
    }));
  }
  layers.push(new IconLayer({
    ...common, id: 'carriers', data: s.carriers, iconAtlas: atlas.canvas, iconMapping: atlas.mapping,
    getIcon: () => 'carrier', getPosition: (d) => [d.x, d.y, three ? d.z : 0], getAngle: (d) => (-d.course * 180) / Math.PI,
    getSize: 34, sizeUnits: 'pixels', billboard: false,
  }));
  layers.push(...partyLayers(common));
  const d = binaryData();
  if (!rasterMode) layers.push(new SegmentLayer({ ...common, id: 'trails', data: d.trails }));
  if (three && !rasterMode) layers.push(new SegmentLayer({ ...common, id: 'drops', data: d.drops }));
  if (s.lost.length) {
    layers.push(new SpriteLayer({
      ...common, id: 'lost', data: s.lost, atlas: atlas.canvas, mask: true, rotate: false, sizePixels: 20,
      getPosition: (L) => [L.x, L.y, L.z], getFrame: atlas.frameOf('cross'),
      getColor: (L) => [255, 90, 70, Math.max(0, 255 * (1 - (state.time_s - L.t) / LOST_SHOW_S))],
      updateTriggers: { getColor: state.time_s },
    }));
  }
  if (!rasterMode) {
    layers.push(new SpriteLayer({
      ...common, id: 'craft', data: d.craft, atlas: atlas.canvas, sizePixels: s.count > 400 ? 22 : 26, pickable: true,
    }));
  }
  const sel = selectedPos();
  if (sel) {
    layers.push(new ScatterplotLayer({
      ...common, id: 'selection', data: [sel], getPosition: (p) => (three ? p : [p[0], p[1], 0]), getRadius: 22, radiusUnits: 'pixels',
      filled: false, stroked: true, getLineColor: [255, 214, 64, 255], getLineWidth: 2.5, lineWidthUnits: 'pixels',
      updateTriggers: { getPosition: [sel[0], sel[1], sel[2]] },
    }));
  }
  return layers;
}

// ---------------------------------------------------------------------------------------------
// many aircraft on a software renderer: icons and trails stamped on the CPU (see raster.js), in the
// plan view, and in 3-D through the camera's projection, each hidden where the city stands between it
// and the eye (what the GPU's depth test does for the GL-drawn aircraft)

let stamps = null; // Stamps at the current raster icon size
let sxBuf = new Float32Array(0), syBuf = new Float32Array(0), txBuf = new Float32Array(0), tyBuf = new Float32Array(0);
let hdBuf = new Float32Array(0); // 3-D: each icon's heading as seen on screen
let dxBuf = new Float32Array(0), dyBuf = new Float32Array(0); // 3-D: each aircraft's line down to the roofs or the sea
let depthKeys = new Float64Array(0), depthOrder = new Uint32Array(0); // 3-D: the farthest stamped first
const ORDER_BITS = 2 ** 21; // a sort key is (depth bucket) * ORDER_BITS + index: exact in a double
const HEADING_STEP_M = 50; // 3-D: a step along the heading, projected, gives its direction on screen
const OCCLUSION_STEPS = 64; // the most samples of the city along one line of sight
const DROP_MAX_PX = 2000; // a drop line is long where an aircraft flies high near the eye

/** Plan view: screen pixels of the aircraft and their trail vertices (an affine map of x, y). */
function projectPlan(s, n, nv) {
  const W = app.size.w, H = app.size.h;
  const m = viewState.main, k = 2 ** m.zoom, tx = m.target[0], ty = m.target[1], cx = W / 2, cy = H / 2;
  const pos = s.pos, tr = s.trail;
  for (let j = 0; j < n; j++) {
    sxBuf[j] = (pos[j * 3] - tx) * k + cx;
    syBuf[j] = cy - (pos[j * 3 + 1] - ty) * k;
  }
  for (let v = 0; v < nv; v++) {
    txBuf[v] = (tr[v * 3] - tx) * k + cx;
    tyBuf[v] = cy - (tr[v * 3 + 1] - ty) * k;
  }
  return s.heading;
}

/** Whether the city stands between (x, y, z) and the eye: samples along the line every half block. */
function hiddenByCity(city, x, y, z, eye) {
  const top = city.top;
  if (z >= top) return false;
  const dx = eye[0] - x, dy = eye[1] - y, dz = eye[2] - z;
  const len = Math.hypot(dx, dy);
  const step = city.blockM / 2;
  if (!(len > step)) return city.heightAt(x, y) > z;
  for (let k = 1; k <= OCCLUSION_STEPS; k++) {
    const t = (k * step) / len;
    if (t >= 1) return false;
    const zt = z + dz * t;
    if (zt >= top) return false;
    if (city.heightAt(x + dx * t, y + dy * t) > zt) return true;
  }
  return false;
}

/**
 * 3-D: screen pixels through the camera (NaN behind it, or hidden by the city), on-screen headings, and each
 * aircraft's drop line, down to the roof under it (where the GPU's depth test would end it) or to the sea.
 */
function projectPerspective(s, n) {
  const vp = viewportNow(), M = vp.pixelProjectionMatrix, eye = vp.cameraPosition;
  const city = app.city && !app.city.empty ? app.city : null;
  const pos = s.pos, tr = s.trail, hd = s.heading;
  let far = 0;
  for (let j = 0; j < n; j++) far = Math.max(far, M[3] * pos[j * 3] + M[7] * pos[j * 3 + 1] + M[11] * pos[j * 3 + 2] + M[15]);
  const px = (x, y, z, out, o) => {
    const w = M[3] * x + M[7] * y + M[11] * z + M[15];
    if (w > 1e-6) {
      out[0][o] = (M[0] * x + M[4] * y + M[8] * z + M[12]) / w;
      out[1][o] = (M[1] * x + M[5] * y + M[9] * z + M[13]) / w;
    } else out[0][o] = out[1][o] = NaN;
  };
  const icons = [sxBuf, syBuf], trails = [txBuf, tyBuf], drops = [dxBuf, dyBuf];
  const ahead = [new Float32Array(1), new Float32Array(1)];
  for (let j = 0; j < n; j++) {
    const x = pos[j * 3], y = pos[j * 3 + 1], z = pos[j * 3 + 2];
    // the sort key: the nearer to the eye (smaller w), the later it is stamped, so it lies on top
    const w = M[3] * x + M[7] * y + M[11] * z + M[15];
    depthKeys[j] = Math.floor((1 - Math.max(0, w) / (far || 1)) * 65535) * ORDER_BITS + j;
    let hidden = city !== null && hiddenByCity(city, x, y, z, eye);
    if (!hidden) {
      px(x, y, z, icons, j);
      px(x + HEADING_STEP_M * Math.sin(hd[j]), y + HEADING_STEP_M * Math.cos(hd[j]), z, ahead, 0);
      const ex = ahead[0][0] - sxBuf[j], ey = ahead[1][0] - syBuf[j];
      hdBuf[j] = ex * ex + ey * ey > 1e-6 ? Math.atan2(ex, -ey) : hd[j];
      hidden = sxBuf[j] !== sxBuf[j];
    } else sxBuf[j] = syBuf[j] = NaN;
    if (hidden) dxBuf[2 * j] = dyBuf[2 * j] = dxBuf[2 * j + 1] = dyBuf[2 * j + 1] = NaN;
    else {
      dxBuf[2 * j] = sxBuf[j];
      dyBuf[2 * j] = syBuf[j];
      px(x, y, city !== null ? Math.min(z, city.heightAt(x, y)) : 0, drops, 2 * j + 1);
    }
    for (let k = 0; k < TRAIL_K; k++) {
      const v = 2 * (k * n + j);
      for (let e = v; e < v + 2; e++) {
        if (hidden) txBuf[e] = tyBuf[e] = NaN;
        else px(tr[e * 3], tr[e * 3 + 1], tr[e * 3 + 2], trails, e);
      }
    }
  }
  const keys = depthKeys.subarray(0, n).sort();
  for (let q = 0; q < n; q++) depthOrder[q] = keys[q] % ORDER_BITS;
  return hdBuf;
}

export function drawRaster() {
  const s = app.scene, n = s.count, W = app.size.w, H = app.size.h;
  if (sxBuf.length < n) {
    sxBuf = new Float32Array(s.n);
    syBuf = new Float32Array(s.n);
    hdBuf = new Float32Array(s.n);
    dxBuf = new Float32Array(s.n * 2);
    dyBuf = new Float32Array(s.n * 2);
    depthKeys = new Float64Array(s.n);
    depthOrder = new Uint32Array(s.n);
    txBuf = new Float32Array(s.n * TRAIL_K * 2);
    tyBuf = new Float32Array(s.n * TRAIL_K * 2);
  }
  const nv = n * TRAIL_K * 2, three = state.view === '3d';
  const heading = three ? projectPerspective(s, n) : projectPlan(s, n, nv);
  // the box around everything drawn (so only that is cleared and uploaded); NaN (not drawn) never counts
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let j = 0; j < n; j++) {
    const x = sxBuf[j], y = syBuf[j];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  for (let v = 0; v < nv; v++) {
    const x = txBuf[v], y = tyBuf[v];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  for (let v = 1; three && v < 2 * n; v += 2) {
    const x = dxBuf[v], y = dyBuf[v];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  const iconPx = n > 6000 ? 15 : n > 3000 ? 17 : 20;
  // the canvas covers only the box around what is drawn (less for the compositor to blend)
  const pad = iconPx;
  const bx0 = Math.max(0, Math.floor(x0 - pad)), by0 = Math.max(0, Math.floor(y0 - pad));
  const bx1 = Math.min(W, Math.ceil(x1 + pad)), by1 = Math.min(H, Math.ceil(y1 + pad));
  if (!(bx1 > bx0 && by1 > by0)) {
    raster.show(false);
    return;
  }
  raster.fit(bx1 - bx0, by1 - by0);
  raster.place(bx0, by0);
  for (let j = 0; j < n; j++) {
    sxBuf[j] -= bx0;
    syBuf[j] -= by0;
  }
  for (let v = 0; v < nv; v++) {
    txBuf[v] -= bx0;
    tyBuf[v] -= by0;
  }
  raster.clear(0);
  if (three) {
    for (let v = 0; v < 2 * n; v++) {
      dxBuf[v] -= bx0;
      dyBuf[v] -= by0;
    }
    raster.segments(dxBuf, dyBuf, s.dropColors, n, { maxPx: DROP_MAX_PX, fade: true });
  }
  raster.segments(txBuf, tyBuf, s.trailColors, n * TRAIL_K);
  if (!stamps || stamps.size !== iconPx) stamps = new Stamps(app.atlas.canvas, app.atlas.frames, iconPx);
  stamps.draw(raster, sxBuf, syBuf, heading, s.ids, s.classOf, n, three ? depthOrder : null);
  raster.present();
}
