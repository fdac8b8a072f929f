import { describe, expect, it } from 'vitest';
import { renderExplain, typeGuess, wordWrap, type OpenApiDocument } from './explain.js';

const doc: OpenApiDocument = {
  components: {
    schemas: {
      'io.k8s.api.apps.v1.Widget': {
        type: 'object',
        description: 'Widget is a test object.',
        properties: {
          spec: { allOf: [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.WidgetSpec' }], description: 'Desired state.' },
          kind: { type: 'string' },
        },
        'x-kubernetes-group-version-kind': [{ group: 'apps', version: 'v1', kind: 'Widget' }],
      },
      'io.k8s.api.apps.v1.WidgetSpec': {
        type: 'object',
        description: 'WidgetSpec says what a widget should be.',
        required: ['size'],
        properties: {
          size: { type: 'integer', description: 'How big.' },
          tags: { type: 'array', items: { type: 'string' } },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          mode: { type: 'string', enum: ['A', 'B'] },
        },
      },
    },
  },
};
const info = { group: 'apps', version: 'v1', kind: 'Widget' };
const root = doc.components!.schemas!['io.k8s.api.apps.v1.Widget']!;

describe('explain', () => {
  it('wraps at word boundaries without breaking long words', () => {
    expect(wordWrap('aaa bbb ccc', 7)).toBe('aaa bbb\nccc');
    expect(wordWrap('averyveryverylongword x', 5)).toBe('averyveryverylongword\nx');
  });

  it('names types as kubectl does', () => {
    expect(typeGuess(doc, { type: 'array', items: { allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.Container' }] } })).toBe('[]Container');
    expect(typeGuess(doc, { type: 'object', additionalProperties: { type: 'string' } })).toBe('map[string]string');
    expect(typeGuess(doc, { type: 'object', additionalProperties: {} })).toBe('Object');
  });

  it('prints a resource with its fields', () => {
    expect(renderExplain(doc, info, root, [], false)).toBe(
      'GROUP:      apps\nKIND:       Widget\nVERSION:    v1\n\nDESCRIPTION:\n    Widget is a test object.\n    \nFIELDS:\n' +
        '  kind\t<string>\n    <no description>\n\n  spec\t<WidgetSpec>\n    Desired state.\n\n\n',
    );
  });

  it('prints a field path with the referenced type description, required marks and enums', () => {
    const out = renderExplain(doc, info, root, ['spec'], false);
    expect(out).toContain('FIELD: spec <WidgetSpec>\n\n\nDESCRIPTION:\n    Desired state.\n    WidgetSpec says what a widget should be.\n    \nFIELDS:\n');
    expect(out).toContain('  size\t<integer> -required-\n    How big.\n\n');
    expect(out).toContain('  mode\t<string>\n  enum: A, B\n    <no description>\n\n');
    expect(renderExplain(doc, info, root, ['spec', 'size'], false)).toMatch(/FIELD: size <integer>\n\n\nDESCRIPTION:\n {4}How big.\n {4}\n\n$/);
  });

  it('lists nested fields with --recursive and refuses unknown fields', () => {
    expect(renderExplain(doc, info, root, [], true)).toContain('FIELDS:\n  kind\t<string>\n  spec\t<WidgetSpec>\n    labels\t<map[string]string>\n');
    expect(() => renderExplain(doc, info, root, ['spec', 'nope'], false)).toThrow('field "nope" does not exist');
  });
});
