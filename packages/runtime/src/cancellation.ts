import { currentCallSignal } from '@mcp-platform/protocol';
import { Agent, type Dispatcher } from 'undici';

/**
 * An undici interceptor that aborts a backend HTTP request when the signal of the call that started
 * it fires (deadline, client gone, shutdown). For clients that do not take a signal per request
 * (jsforce): the current call's signal is found through `currentCallSignal()`.
 */
export const abortWithCallSignal: Dispatcher.DispatcherComposeInterceptor =
  (dispatch) => (options, handler) => {
    const signal = currentCallSignal();
    if (signal === undefined) return dispatch(options, handler);
    let release = () => {};
    const done = () => release();
    const wrapped: Dispatcher.DispatchHandler = {
      onRequestStart(controller, context) {
        if (signal.aborted) {
          controller.abort(signal.reason);
        } else {
          const abort = () => controller.abort(signal.reason);
          signal.addEventListener('abort', abort, { once: true });
          release = () => signal.removeEventListener('abort', abort);
        }
        handler.onRequestStart?.(controller, context);
      },
      onRequestUpgrade: (controller, statusCode, headers, socket) =>
        handler.onRequestUpgrade?.(controller, statusCode, headers, socket),
      onResponseStart: (controller, statusCode, headers, statusMessage) =>
        handler.onResponseStart?.(controller, statusCode, headers, statusMessage),
      onResponseData: (controller, chunk) => handler.onResponseData?.(controller, chunk),
      onResponseEnd(controller, trailers) {
        done();
        handler.onResponseEnd?.(controller, trailers);
      },
      onResponseError(controller, error) {
        done();
        handler.onResponseError?.(controller, error);
      },
      onRequestSent: () => handler.onRequestSent?.(),
      onBodySent: (chunk) => handler.onBodySent?.(chunk),
    };
    return dispatch(options, wrapped);
  };

/** An HTTP/1.1 agent whose requests end with the call that made them. */
export function callScopedAgent(options: Agent.Options = {}): Dispatcher {
  return new Agent({ connect: { allowH2: false }, ...options }).compose(abortWithCallSignal);
}
