// The icon atlas, drawn once on a canvas: one aircraft silhouette per squadron colour, the LGF flying
// wing, a generic aircraft and the carrier. Silhouettes point north (up); IconLayer rotates them. Then
// masks the layers colour: a cross, a dot, and the front's markers (a position, a battery, a ring).

const CELL = 64;
const GUARDIAN = 'M32 4 L35.5 11 L36.5 24 L57 30 L57 35.5 L36.5 35.5 L35 47 L44 51.5 L44 56 L32 54.5 L20 56 L20 51.5 L29 47 L27.5 35.5 L7 35.5 L7 30 L27.5 24 L28.5 11 Z';
const LGF = 'M32 12 L59 46 L50 50 L32 39 L14 50 L5 46 Z';
const CARRIER = 'M32 3 L39 14 L39 60 L25 60 L25 14 Z';

export function hexToRgb(hex, fallback = [200, 200, 200]) {
  const m = /^#?([0-9a-f]{6})$/i.exec(String(hex || '').trim());
  if (!m) return fallback;
  const v = parseInt(m[1], 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/**
 * squadrons: HEAD.squadrons. Returns {canvas, mapping, classes} where classes[k] = {icon, rgb} and
 * class k < S is squadron k, S the LGFs, S+1 an aircraft of no squadron; 'carrier' is in mapping.
 */
export function buildAtlas(squadrons) {
  const S = squadrons.length;
  const cells = S + 8;
  const canvas = document.createElement('canvas');
  canvas.width = CELL * cells;
  canvas.height = CELL;
  const g = canvas.getContext('2d', { willReadFrequently: true });
  g.lineJoin = 'round';
  const mapping = {};
  const classes = [];
  const draw = (k, path, fill, stroke, lw, scale = 1) => {
    g.save();
    g.translate(k * CELL + CELL / 2, CELL / 2);
    g.scale(scale, scale);
    g.translate(-CELL / 2, -CELL / 2);
    const p = new Path2D(path);
    g.lineWidth = lw;
    g.strokeStyle = stroke;
    g.stroke(p);
    g.fillStyle = fill;
    g.fill(p);
    g.restore();
    mapping['c' + k] = { x: k * CELL, y: 0, width: CELL, height: CELL, mask: false };
  };
  squadrons.forEach((s, k) => {
    const rgb = hexToRgb(s.colour);
    draw(k, GUARDIAN, `rgb(${rgb})`, '#f3f5f8', 4.5, 0.92);
    classes.push({ icon: 'c' + k, rgb });
  });
  draw(S, LGF, '#050507', '#a06bff', 3.5, 0.85);
  classes.push({ icon: 'c' + S, rgb: [170, 120, 255] });
  draw(S + 1, GUARDIAN, '#9aa3ad', '#f3f5f8', 4.5, 0.92);
  classes.push({ icon: 'c' + (S + 1), rgb: [190, 196, 204] });
  draw(S + 2, CARRIER, '#8f9aa6', '#eef2f6', 3, 0.95);
  mapping.carrier = mapping['c' + (S + 2)];
  // a cross for an aircraft just lost (a mask: the layer colours and fades it)
  g.save();
  g.translate((S + 3) * CELL, 0);
  g.strokeStyle = '#fff';
  g.lineCap = 'round';
  g.lineWidth = 9;
  g.beginPath();
  g.moveTo(14, 14); g.lineTo(50, 50); g.moveTo(50, 14); g.lineTo(14, 50);
  g.stroke();
  g.restore();
  mapping.cross = { x: (S + 3) * CELL, y: 0, width: CELL, height: CELL, mask: true };
  // a round dot (a mask), for the side view
  g.fillStyle = '#fff';
  g.beginPath();
  g.arc((S + 4) * CELL + CELL / 2, CELL / 2, CELL / 2 - 4, 0, Math.PI * 2);
  g.fill();
  mapping.dot = { x: (S + 4) * CELL, y: 0, width: CELL, height: CELL, mask: true };
  // the front: a position of the line (a dug-in bar with its parapet), a battery (a triangle, the sign of
  // a gun pointing up), and a ring drawn around a unit that fires or is fired on (all masks)
  g.fillStyle = '#fff';
  g.fillRect((S + 5) * CELL + 6, 22, CELL - 12, 20);
  g.clearRect((S + 5) * CELL + 12, 28, CELL - 24, 8);
  g.fillRect((S + 5) * CELL + 12, 30, CELL - 24, 4);
  mapping.position = { x: (S + 5) * CELL, y: 0, width: CELL, height: CELL, mask: true };
  g.beginPath();
  g.moveTo((S + 6) * CELL + CELL / 2, 8); g.lineTo((S + 6) * CELL + CELL - 8, CELL - 10); g.lineTo((S + 6) * CELL + 8, CELL - 10);
  g.closePath();
  g.fill();
  mapping.battery = { x: (S + 6) * CELL, y: 0, width: CELL, height: CELL, mask: true };
  g.strokeStyle = '#fff';
  g.lineWidth = 5;
  g.beginPath();
  g.arc((S + 7) * CELL + CELL / 2, CELL / 2, CELL / 2 - 5, 0, Math.PI * 2);
  g.stroke();
  mapping.ring = { x: (S + 7) * CELL, y: 0, width: CELL, height: CELL, mask: true };
  // each class's frame in the atlas, [x, y, width, height], for SpriteLayer's getFrame
  const frames = classes.map((c) => {
    const m = mapping[c.icon];
    return new Float32Array([m.x, m.y, m.width, m.height]);
  });
  const frameOf = (name) => {
    const m = mapping[name];
    return [m.x, m.y, m.width, m.height];
  };
  return { canvas, mapping, classes, frames, frameOf };
}
