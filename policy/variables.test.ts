import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_NAME,
  normaliseVariableName,
  resolveTemplate,
  templateTokens,
  unresolvedTokens,
  type ResolveOptions,
  type TemplateVars,
} from './variables';

describe('normaliseVariableName', () => {
  it.each([
    ['case number', 'CASE_NUMBER'],
    ['Tax-ID', 'TAX_ID'],
    ['amount', 'AMOUNT'],
    ['CASE_NUMBER', 'CASE_NUMBER'],
    ['  address  ', 'ADDRESS'],
    ['\uFEFFname', 'NAME'],
    ['e-mail', 'E_MAIL'],
    ['a  b', 'A__B'],
    ['Due Date (DD/MM)', 'DUE_DATE__DD_MM_'],
    ['policy.no', 'POLICY_NO'],
    ['1st payment', '1ST_PAYMENT'],
    ['café', 'CAFÉ'],
    ['cafe\u0301', 'CAFÉ'], // decomposed é → composed
    ['नाम', 'नाम'], // Devanagari letters and vowel signs are kept
    ['ῗ', 'Ϊ͂'],
    ['', ''],
  ])('%j → %j', (header, expected) => {
    expect(normaliseVariableName(header)).toBe(expected);
  });

  it('is idempotent and yields only letters, marks, digits and underscores (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (header) => {
        const once = normaliseVariableName(header);
        expect(normaliseVariableName(once)).toBe(once);
        expect(once).toMatch(/^[\p{L}\p{M}\p{N}_]*$/u);
        expect(once).toBe(once.toUpperCase().normalize('NFC'));
      }),
    );
  });
});

describe('resolveTemplate', () => {
  const alex: TemplateVars = {
    name: 'Alex Chen',
    email: 'alex@acme.io',
    metadata: { amount: '5000', address: '123 Market St', 'case number': 'CASE-7741', 'Tax-ID': 'T-1' },
  };

  it('resolves the greeting example of docs/rules.md', () => {
    const greeting =
      "Hi {{NAME}}, this is Zara from Acme. I'm calling about case {{CASE_NUMBER}} where you have a balance of ${{AMOUNT}}. Do you have a minute?";
    expect(resolveTemplate(greeting, alex)).toBe(
      "Hi Alex Chen, this is Zara from Acme. I'm calling about case CASE-7741 where you have a balance of $5000. Do you have a minute?",
    );
  });

  const cases: Array<[string, string, TemplateVars, string, ResolveOptions?]> = [
    ['flat form', '{{TAX_ID}}', alex, 'T-1'],
    ['namespaced form', '{{call.TAX_ID}}', alex, 'T-1'],
    ['namespace prefix is case-insensitive', '{{CALL.TAX_ID}}', alex, 'T-1'],
    ['by the original header', '{{case number}}', alex, 'CASE-7741'],
    ['by the original header, namespaced', '{{call.Tax-ID}}', alex, 'T-1'],
    ['spaces inside the braces', '{{ CASE_NUMBER }} / {{  call.AMOUNT }}', alex, 'CASE-7741 / 5000'],
    ['repeated tokens', '{{AMOUNT}}+{{AMOUNT}}', alex, '5000+5000'],
    ['EMAIL', '{{EMAIL}}', alex, 'alex@acme.io'],
    ['NAME namespaced', '{{call.NAME}}', alex, 'Alex Chen'],
    ['built-ins by their CSV header too', '{{name}} {{email}}', alex, 'Alex Chen alex@acme.io'],
    ['NAME defaults to "there"', 'Hi {{NAME}},', { metadata: {} }, 'Hi there,'],
    ['blank NAME counts as missing', 'Hi {{NAME}},', { name: '  ', metadata: {} }, 'Hi there,'],
    ['null NAME', 'Hi {{call.NAME}},', { name: null, metadata: {} }, 'Hi there,'],
    ['EMAIL defaults to empty', '<{{EMAIL}}>', { metadata: {} }, '<>'],
    [
      'NAME from Trigger metadata when the contact has no name',
      'Hi {{NAME}}',
      { metadata: { name: 'Priya' } },
      'Hi Priya',
    ],
    ['NAME from a "Name" metadata key', 'Hi {{NAME}}', { metadata: { Name: 'Priya' } }, 'Hi Priya'],
    [
      'the contact name wins over metadata',
      'Hi {{NAME}}',
      { name: 'Ravi', metadata: { name: 'Priya' } },
      'Hi Ravi',
    ],
    ['EMAIL from metadata', '{{EMAIL}}', { metadata: { email: 'p@x.in' } }, 'p@x.in'],
    [
      'a known variable with an empty value → empty',
      'Hi , {{AMOUNT}}!',
      { metadata: { amount: '' } },
      'Hi , !',
    ],
    [
      'a variable the contact lacks but the campaign knows → empty',
      '[{{AMOUNT}}]',
      { metadata: {} },
      '[]',
      { knownVariables: ['amount'] },
    ],
    [
      'known variables match by normalised form too',
      '[{{CASE_NUMBER}}]',
      { metadata: {} },
      '[]',
      { knownVariables: ['case number'] },
    ],
    [
      'known variables match as written',
      '[{{case number}}]',
      { metadata: {} },
      '[]',
      { knownVariables: [' case number '] },
    ],
    ['an unknown token stays verbatim', 'Dear {{CUSTOMERNAME}},', alex, 'Dear {{CUSTOMERNAME}},'],
    [
      'an unknown namespaced token stays verbatim, spacing kept',
      'x {{ call.CUSTOMERNAME }} y',
      alex,
      'x {{ call.CUSTOMERNAME }} y',
    ],
    ['unknown: empty drops it', 'Dear {{CUSTOMERNAME}},', alex, 'Dear ,', { unknown: 'empty' }],
    [
      'matching is case-sensitive: {{case_number}} is not "case number"',
      '{{case_number}}',
      alex,
      '{{case_number}}',
    ],
    ['{{Amount}} is not "amount" nor AMOUNT', '{{Amount}}', alex, '{{Amount}}'],
    [
      'the exact key wins over a normalised match',
      '{{CASE_NUMBER}}',
      { metadata: { 'case number': 'A', CASE_NUMBER: 'B' } },
      'B',
    ],
    [
      'colliding headers: the first one wins',
      '{{CASE_NUMBER}}',
      { metadata: { 'case number': 'A', 'case-number': 'B' } },
      'A',
    ],
    ['values are not re-expanded', '{{NOTE}}', { metadata: { NOTE: '{{NAME}} $& $1' } }, '{{NAME}} $& $1'],
    ['empty braces stay', '{{}} and {{ }}', alex, '{{}} and {{ }}'],
    ['a lone namespace stays', '{{call.}}', alex, '{{call.}}'],
    ['single braces are text', '{NAME} {{NAME}', alex, '{NAME} {{NAME}'],
    ['triple braces keep the outer ones', '{{{NAME}}}', alex, '{Alex Chen}'],
    ['no tokens → unchanged', 'Hello, world', alex, 'Hello, world'],
    [
      'prototype keys are not variables',
      '{{constructor}} {{toString}}',
      { metadata: {} },
      '{{constructor}} {{toString}}',
    ],
    [
      'non-string stored values are read as text',
      '{{N}}|{{M}}',
      { metadata: { N: 5 as unknown as string, M: null as unknown as string } },
      '5|',
    ],
    ['multi-line prompts', 'Line {{AMOUNT}}\nLine {{call.AMOUNT}}', alex, 'Line 5000\nLine 5000'],
  ];
  it.each(cases)('%s', (_name, template, vars, expected, options) => {
    expect(resolveTemplate(template, vars, options)).toBe(expected);
  });

  it('leaves text without "{{" unchanged (property)', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('{{')),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string()),
        (template, metadata) => {
          expect(resolveTemplate(template, { metadata })).toBe(template);
        },
      ),
    );
  });

  it('resolves every metadata key by its header and by its normalised name (property)', () => {
    fc.assert(
      fc.property(
        fc
          .string({ minLength: 1, maxLength: 12 })
          .filter((k) => !/[{}]/.test(k) && k.trim() === k && k.trim() !== ''),
        fc.string({ maxLength: 12 }).filter((v) => !v.includes('{')),
        (key, value) => {
          fc.pre(!['NAME', 'EMAIL'].includes(normaliseVariableName(key)) && !/^call\./i.test(key));
          const vars = { metadata: { [key]: value } };
          expect(resolveTemplate(`{{${key}}}`, vars)).toBe(value);
          expect(resolveTemplate(`{{call.${normaliseVariableName(key)}}}`, vars)).toBe(value);
        },
      ),
    );
  });
});

describe('templateTokens and unresolvedTokens', () => {
  const template =
    'Hi {{NAME}}, case {{call.CASE_NUMBER}} {{CASE_NUMBER}} for {{CUSTOMERNAME}} and {{ call.CUSTOMERNAME }} {{}}';
  it('lists referenced names once, without the namespace', () => {
    expect(templateTokens(template)).toEqual(['NAME', 'CASE_NUMBER', 'CUSTOMERNAME']);
  });

  it('lists the placeholders that would stay raw', () => {
    const vars = { metadata: { 'case number': '1' } };
    expect(unresolvedTokens(template, vars)).toEqual(['{{CUSTOMERNAME}}', '{{ call.CUSTOMERNAME }}', '{{}}']);
    expect(unresolvedTokens(template, vars, { knownVariables: ['CUSTOMERNAME'] })).toEqual(['{{}}']);
  });

  it('agrees with resolveTemplate: every unresolved placeholder survives resolution', () => {
    const vars = { name: DEFAULT_NAME, metadata: {} };
    const out = resolveTemplate(template, vars);
    for (const raw of unresolvedTokens(template, vars)) expect(out).toContain(raw);
  });
});
