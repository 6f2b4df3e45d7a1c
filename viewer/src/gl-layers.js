// Two small deck.gl layers that draw WITHOUT instancing, for the thousands of aircraft.
//
// Software WebGL (SwiftShader) pays a fixed cost per instance of an instanced draw, so deck.gl's
// instanced IconLayer / LineLayer / ScatterplotLayer crawl at 10,000 aircraft (about 1 fps). These
// draw the same things as one plain draw call each: SpriteLayer one GL point per aircraft (a rotated
// icon from an atlas, cut out in the fragment shader), SegmentLayer one GL line per trail segment.
// Both take binary attributes only: data = {length, attributes: {...: {value, size}}}.

import { Layer, project32, picking } from '@deck.gl/core';
import { Model } from '@luma.gl/engine';

// ---------------------------------------------------------------------------------------------
// SpriteLayer: data.attributes getPosition (3 floats), getHeading (1 float, compass radians),
// getFrame (4 floats: x, y, width, height of the icon in the atlas), getColor (4 unorm8; with
// mask: true the icon's alpha is a mask for this colour, otherwise only its alpha is used).

const spriteUniforms = {
  name: 'sprite',
  vs: `layout(std140) uniform spriteUniforms {
  vec2 atlasSize;
  float sizePixels;
  float mask;
  float alphaCutoff;
  float rotate;
} sprite;
`,
  fs: `layout(std140) uniform spriteUniforms {
  vec2 atlasSize;
  float sizePixels;
  float mask;
  float alphaCutoff;
  float rotate;
} sprite;
`,
  uniformTypes: { atlasSize: 'vec2<f32>', sizePixels: 'f32', mask: 'f32', alphaCutoff: 'f32', rotate: 'f32' },
};

const spriteVs = `#version 300 es
#define SHADER_NAME sprite-layer-vertex-shader
in vec3 positions;
in float headings;
in vec4 frames;
in vec4 colors;
out vec4 vColor;
out vec4 vFrame;
out vec2 vRot;

void main(void) {
  geometry.worldPosition = positions;
  geometry.pickingColor = picking_getPickingColorFromIndex(float(gl_VertexID));
  vec4 p0 = project_position_to_clipspace(positions, vec3(0.0), vec3(0.0), geometry.position);
  gl_Position = p0;
  DECKGL_FILTER_GL_POSITION(gl_Position, geometry);
  // the heading as seen on screen: project a short step along it
  float a = 0.0;
  if (sprite.rotate > 0.5) {
    vec3 step = vec3(sin(headings), cos(headings), 0.0) * project_pixel_size(8.0);
    vec4 common1;
    vec4 p1 = project_position_to_clipspace(positions, vec3(0.0), step, common1);
    vec2 d = (p1.xy / p1.w - p0.xy / p0.w) * project.viewportSize;
    a = dot(d, d) > 1e-6 ? atan(d.x, d.y) : headings;
  }
  vRot = vec2(cos(a), sin(a));
  gl_PointSize = sprite.sizePixels;
  vFrame = frames;
  vColor = vec4(colors.rgb, colors.a * layer.opacity);
  DECKGL_FILTER_COLOR(vColor, geometry);
}
`;

const spriteFs = `#version 300 es
#define SHADER_NAME sprite-layer-fragment-shader
precision highp float;
uniform sampler2D atlas;
in vec4 vColor;
in vec4 vFrame;
in vec2 vRot;
out vec4 fragColor;

void main(void) {
  vec2 c = gl_PointCoord - 0.5;
  c.y = -c.y;
  float co = vRot.x, s = vRot.y;
  vec2 l = vec2(c.x * co - c.y * s, c.x * s + c.y * co);
  if (abs(l.x) > 0.5 || abs(l.y) > 0.5) discard;
  vec2 uv = (vFrame.xy + vec2(l.x + 0.5, 0.5 - l.y) * vFrame.zw) / sprite.atlasSize;
  vec4 tex = texture(atlas, uv);
  float a = tex.a * vColor.a;
  if (a < sprite.alphaCutoff) discard;
  fragColor = vec4(mix(tex.rgb, vColor.rgb, sprite.mask), a);
  geometry.uv = l;
  DECKGL_FILTER_COLOR(fragColor, geometry);
}
`;

export class SpriteLayer extends Layer {
  getShaders() {
    return super.getShaders({ vs: spriteVs, fs: spriteFs, modules: [project32, picking, spriteUniforms] });
  }

  initializeState() {
    this.getAttributeManager().add({
      positions: { size: 3, type: 'float32', accessor: 'getPosition' },
      headings: { size: 1, type: 'float32', accessor: 'getHeading', defaultValue: 0 },
      frames: { size: 4, type: 'float32', accessor: 'getFrame' },
      colors: { size: 4, type: 'unorm8', accessor: 'getColor', defaultValue: [255, 255, 255, 255] },
    });
    this.state.model = this._getModel();
  }

  _getModel() {
    return new Model(this.context.device, {
      ...this.getShaders(),
      id: this.props.id,
      bufferLayout: this.getAttributeManager().getBufferLayouts(),
      topology: 'point-list',
      vertexCount: 0,
      isInstanced: false,
    });
  }

  draw() {
    const { atlas, sizePixels, mask, alphaCutoff, rotate } = this.props;
    const model = this.state.model;
    if (!atlas || !model) return;
    model.shaderInputs.setProps({
      sprite: { atlas, atlasSize: [atlas.width, atlas.height], sizePixels, mask: mask ? 1 : 0, alphaCutoff, rotate: rotate ? 1 : 0 },
    });
    model.setVertexCount(this.getNumInstances());
    model.draw(this.context.renderPass);
  }
}
SpriteLayer.layerName = 'SpriteLayer';
SpriteLayer.defaultProps = {
  atlas: { type: 'image', value: null, async: true },
  sizePixels: { type: 'number', value: 24 },
  mask: false,
  rotate: true,
  alphaCutoff: { type: 'number', value: 0.1 },
  getPosition: { type: 'accessor', value: (d) => d.position },
  getHeading: { type: 'accessor', value: 0 },
  getFrame: { type: 'accessor', value: [0, 0, 1, 1] },
  getColor: { type: 'accessor', value: [255, 255, 255, 255] },
};

// ---------------------------------------------------------------------------------------------
// SegmentLayer: GL lines (or triangles, topology: 'triangle-list'); data.length is the number of VERTICES (2 per segment), with attributes
// getPosition (3 floats per vertex) and getColor (4 unorm8 per vertex).

const segmentVs = `#version 300 es
#define SHADER_NAME segment-layer-vertex-shader
in vec3 positions;
in vec4 colors;
out vec4 vColor;
void main(void) {
  geometry.worldPosition = positions;
  gl_Position = project_position_to_clipspace(positions, vec3(0.0), vec3(0.0), geometry.position);
  DECKGL_FILTER_GL_POSITION(gl_Position, geometry);
  vColor = vec4(colors.rgb, colors.a * layer.opacity);
  DECKGL_FILTER_COLOR(vColor, geometry);
}
`;
const segmentFs = `#version 300 es
#define SHADER_NAME segment-layer-fragment-shader
precision highp float;
in vec4 vColor;
out vec4 fragColor;
void main(void) {
  fragColor = vColor;
  DECKGL_FILTER_COLOR(fragColor, geometry);
}
`;

export class SegmentLayer extends Layer {
  getShaders() {
    return super.getShaders({ vs: segmentVs, fs: segmentFs, modules: [project32, picking] });
  }

  initializeState() {
    this.getAttributeManager().add({
      positions: { size: 3, type: 'float32', accessor: 'getPosition' },
      colors: { size: 4, type: 'unorm8', accessor: 'getColor', defaultValue: [255, 255, 255, 255] },
    });
    this.state.model = new Model(this.context.device, {
      ...this.getShaders(),
      id: this.props.id,
      bufferLayout: this.getAttributeManager().getBufferLayouts(),
      topology: this.props.topology,
      vertexCount: 0,
      isInstanced: false,
    });
  }

  draw() {
    const model = this.state.model;
    model.setVertexCount(this.getNumInstances());
    model.draw(this.context.renderPass);
  }
}
SegmentLayer.layerName = 'SegmentLayer';
SegmentLayer.defaultProps = {
  topology: 'line-list', // or 'triangle-list'
  getPosition: { type: 'accessor', value: (d) => d.position },
  getColor: { type: 'accessor', value: [255, 255, 255, 255] },
};

// ---------------------------------------------------------------------------------------------
// MeshLayer: an indexed triangle list (the 3-D city): data.length is the number of vertices, with
// attributes indices (uint32, three per triangle), getPosition (3 floats) and getColor (4 unorm8), and
// data.indexCount. Back faces are culled (every face wound counter-clockwise seen from outside).

export class MeshLayer extends SegmentLayer {
  initializeState() {
    this.getAttributeManager().add({ indices: { size: 1, type: 'uint32', isIndexed: true, noAlloc: true } });
    super.initializeState();
  }

  draw() {
    const model = this.state.model;
    model.setVertexCount(this.props.data.indexCount || 0);
    model.draw(this.context.renderPass);
  }
}
MeshLayer.layerName = 'MeshLayer';
MeshLayer.defaultProps = {
  topology: 'triangle-list',
  parameters: { cullMode: 'back' },
};
