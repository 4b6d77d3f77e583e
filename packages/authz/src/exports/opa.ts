/**
 * An external decision point for object-level policies: `OpaDecisionPoint` (Open Policy Agent's
 * data API), the `DecisionPoint` interface for another engine, and `decisionPointPolicy`.
 *
 * @packageDocumentation
 */
export type { DecisionInput, DecisionPoint, OpaDecisionPointOptions } from '../decision-point.js';
export { decisionPointPolicy, OpaDecisionPoint } from '../decision-point.js';
