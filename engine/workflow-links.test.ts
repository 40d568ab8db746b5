import { describe, expect, it } from 'vitest';
import { loadSettings } from '../config/settings';
import { temporalUiWorkflowUrl, workflowLinks } from './workflow-links';

const CAMPAIGN = '6f1c2d3e-0000-4000-8000-000000000001';
const CONTACT = '6f1c2d3e-0000-4000-8000-0000000000c1';

describe('workflow links', () => {
  it('embedded Temporal: links to the dev server UI on TEMPORAL_UI_PORT', () => {
    const links = workflowLinks(loadSettings({ TEMPORAL_UI_PORT: '9233' }));
    expect(links.run(CAMPAIGN, 2)).toEqual({
      workflow_id: `campaign-${CAMPAIGN}-run-2`,
      workflow_url: `http://127.0.0.1:9233/namespaces/default/workflows/campaign-${CAMPAIGN}-run-2`,
    });
    expect(links.contact(CAMPAIGN, 2, CONTACT).workflow_url).toBe(
      `http://127.0.0.1:9233/namespaces/default/workflows/contact-${CAMPAIGN}-run-2-${CONTACT}`,
    );
  });

  it('external Temporal: ids only, unless TEMPORAL_UI_URL is given', () => {
    const external = workflowLinks(loadSettings({ TEMPORAL_ADDRESS: 'temporal.internal:7233' }));
    expect(external.run(CAMPAIGN, 1)).toEqual({ workflow_id: `campaign-${CAMPAIGN}-run-1` });
    const given = workflowLinks(
      loadSettings({
        TEMPORAL_ADDRESS: 'temporal.internal:7233',
        TEMPORAL_NAMESPACE: 'ori prod',
        TEMPORAL_UI_URL: 'https://temporal.example.com/',
      }),
    );
    expect(given.run(CAMPAIGN, 1).workflow_url).toBe(
      `https://temporal.example.com/namespaces/ori%20prod/workflows/campaign-${CAMPAIGN}-run-1`,
    );
  });

  it('refuses a TEMPORAL_UI_URL that is not an http(s) URL', () => {
    expect(() => loadSettings({ TEMPORAL_UI_URL: 'temporal.example.com' })).toThrow(/TEMPORAL_UI_URL/);
  });

  it('escapes the workflow id in the path', () => {
    expect(temporalUiWorkflowUrl('http://ui', 'default', 'a/b c')).toBe(
      'http://ui/namespaces/default/workflows/a%2Fb%20c',
    );
  });
});
