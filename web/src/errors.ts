// A failed call said in Vietnamese: the API's problems (routing's message_vi when it sends one),
// the usual English refusals translated by labels.vietnamese, the rest as sent.
import { ApiError } from './api/client';
import { vietnamese } from './labels';

export function sayError(error: unknown): string {
  if (error instanceof ApiError) {
    const said = error.problems.map((p) => (p.field ? `${p.field}: ` : '') + vietnamese(p.message)).join(' ');
    return said || `Máy chủ trả lời lỗi ${error.status}.`;
  }
  return error instanceof Error ? error.message : String(error);
}
