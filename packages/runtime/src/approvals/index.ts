export { ApprovalAudit } from './audit-steps.ts';
export {
  ApprovalDecisions,
  type Decision,
  type DecisionOutcome,
  type DecisionsOptions,
} from './decisions.ts';
export {
  type ApprovalState,
  canConfirmInline,
  confirmationAnswer,
  confirmationRequest,
  INPUT_KEY,
  isApprovalState,
} from './elicitation.ts';
export { ApprovalCode, approvalErrors } from './errors.ts';
export { type ApprovalsFeature, type ApprovalsFeatureOptions, createApprovalsFeature } from './feature.ts';
export { type ApprovalFlowOptions, approvalInterceptor, argumentsHash } from './interceptor.ts';
export { type MarkedPreview, markPreview, previewText } from './preview-marking.ts';
export { type ApprovalRoutesOptions, approvalView, registerApprovalRoutes } from './routes.ts';
export {
  type ApprovalPolicyKind,
  type ApprovalRequest,
  type ApprovalStatus,
  ApprovalStore,
  type Binding,
} from './store.ts';
export {
  ApprovalNotifier,
  notificationBody,
  type WebhookFormat,
  type WebhookOptions,
  webhookSignature,
} from './webhooks.ts';
export {
  APPROVAL_ARGUMENT,
  hasApprovalArgument,
  needsApproval,
  withApprovalArgument,
} from './with-approval-argument.ts';
