import type { ComponentState } from '@platform/contracts';
import { incidentStep } from './incidents';

const step = (previous: ComponentState | null, next: ComponentState, openImpact: ComponentState | null) =>
  incidentStep({ service: 'channels', previous, next, openImpact, detail: '1 of 2 instance(s) not serving' });

describe('incidentStep', () => {
  it('opens an incident when a component enters a partial or major outage', () => {
    expect(step('operational', 'partial_outage', null)).toEqual({
      kind: 'open',
      impact: 'partial_outage',
      title: 'channels: partial outage',
      message: 'channels entered partial outage: 1 of 2 instance(s) not serving',
    });
    expect(step('degraded_performance', 'major_outage', null)).toMatchObject({ kind: 'open', impact: 'major_outage' });
  });

  it('opens one for a component first seen in an outage', () => {
    expect(step(null, 'major_outage', null)).toMatchObject({
      kind: 'open',
      message: expect.stringMatching(/^channels is major outage/),
    });
  });

  it('opens none for degraded performance alone', () => {
    expect(step('operational', 'degraded_performance', null)).toEqual({ kind: 'none' });
    expect(step(null, 'operational', null)).toEqual({ kind: 'none' });
  });

  it('records changes on the open incident, keeping the worst impact reached', () => {
    expect(step('partial_outage', 'major_outage', 'partial_outage')).toMatchObject({
      kind: 'update',
      impact: 'major_outage',
    });
    expect(step('major_outage', 'partial_outage', 'major_outage')).toMatchObject({
      kind: 'update',
      impact: 'major_outage',
    });
    expect(step('partial_outage', 'degraded_performance', 'partial_outage')).toMatchObject({
      kind: 'update',
      impact: 'partial_outage',
    });
  });

  it('resolves only when the component is operational again', () => {
    expect(step('degraded_performance', 'operational', 'major_outage')).toEqual({
      kind: 'resolve',
      message: 'channels is operational again',
    });
  });

  it('does nothing when the state did not move while an incident is open', () => {
    expect(step('partial_outage', 'partial_outage', 'partial_outage')).toEqual({ kind: 'none' });
  });
});
