// Vietnamese names for the codes the APIs use (../shared/glossary.md): what people read.

export const DOCUMENT_TYPES: [string, string][] = [
  ['official_letter', 'Công văn'],
  ['decision', 'Quyết định'],
  ['resolution', 'Nghị quyết'],
  ['directive', 'Chỉ thị'],
  ['rules', 'Quy chế'],
  ['regulation', 'Quy định'],
  ['communique', 'Thông cáo'],
  ['notice', 'Thông báo'],
  ['guideline', 'Hướng dẫn'],
  ['program', 'Chương trình'],
  ['plan', 'Kế hoạch'],
  ['option_plan', 'Phương án'],
  ['scheme', 'Đề án'],
  ['project', 'Dự án'],
  ['report', 'Báo cáo'],
  ['minutes', 'Biên bản'],
  ['submission', 'Tờ trình'],
  ['contract', 'Hợp đồng'],
  ['official_telegram', 'Công điện'],
  ['memorandum_of_understanding', 'Bản ghi nhớ'],
  ['agreement', 'Bản thỏa thuận'],
  ['authorization', 'Giấy ủy quyền'],
  ['invitation', 'Giấy mời'],
  ['letter_of_introduction', 'Giấy giới thiệu'],
  ['leave_permit', 'Giấy nghỉ phép'],
  ['dispatch_slip', 'Phiếu gửi'],
  ['transfer_slip', 'Phiếu chuyển'],
  ['notification_slip', 'Phiếu báo'],
  ['formal_letter', 'Thư công'],
];

export const URGENCIES: [string, string][] = [
  ['normal', 'Thường'],
  ['urgent', 'Khẩn'],
  ['very_urgent', 'Thượng khẩn'],
  ['flash', 'Hỏa tốc'],
];

export const CONFIDENTIALITIES: [string, string][] = [
  ['normal', 'Thường'],
  ['confidential', 'Mật'],
  ['secret', 'Tối mật'],
  ['top_secret', 'Tuyệt mật'],
];

export const ROLES: Record<string, string> = {
  clerk: 'Văn thư',
  leader: 'Lãnh đạo',
  secretary: 'Thư ký',
  unit_head: 'Trưởng đơn vị',
  specialist: 'Chuyên viên',
  auditor: 'Kiểm tra, lưu trữ',
  administrator: 'Quản trị',
};

export const CASE_STATUSES: Record<string, string> = {
  awaiting_rules: 'Chờ quy tắc phân phối',
  awaiting_readers: 'Văn bản mật chưa có người được xem',
  awaiting_direction: 'Chờ chỉ đạo',
  directed: 'Đã chỉ đạo',
  in_progress: 'Đang xử lý',
  completed: 'Hoàn thành',
  voided: 'Đã hủy đăng ký',
};

export const TASK_ROLES: Record<string, string> = {
  lead: 'Chủ trì',
  coordinating: 'Phối hợp',
  information: 'Để biết',
  specialist: 'Chuyên viên xử lý',
};

export const TASK_STATUSES: Record<string, string> = {
  assigned: 'Đã giao',
  in_progress: 'Đang xử lý',
  completed: 'Hoàn thành',
  returned: 'Trả lại',
  withdrawn: 'Đã thu hồi',
};

export const DRAFT_STATUSES: Record<string, string> = {
  uploaded: 'Chờ lãnh đạo đơn vị xem xét',
  reviewed: 'Chờ lãnh đạo phê duyệt',
  returned: 'Bị trả lại',
  approved: 'Đã phê duyệt',
};

export const DECISION_KINDS: Record<string, string> = {
  direction: 'Chỉ đạo',
  redirection: 'Chỉ đạo lại',
  reassignment: 'Giao việc',
  progress: 'Báo cáo tiến độ',
  completion: 'Hoàn thành',
  return: 'Trả lại',
  draft_review: 'Xem xét dự thảo',
  draft_approval: 'Phê duyệt dự thảo',
  comment: 'Ý kiến',
};

export const CHANNELS: Record<string, string> = {
  paper: 'Giấy',
  electronic: 'Điện tử',
  exchange: 'Liên thông',
  migration: 'Chuyển đổi dữ liệu',
};

export function label(pairs: [string, string][] | Record<string, string>, code: string | null | undefined): string {
  if (!code) return '';
  const table = Array.isArray(pairs) ? Object.fromEntries(pairs) : pairs;
  return table[code] ?? code;
}

/** The services word their refusals in English (routing also sends `message_vi`, already
 * used when present); the usual ones are said here in Vietnamese, the rest shown as sent. */
const MESSAGES: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^is required$/, () => 'Bắt buộc nhập.'],
  [/^must not be empty$/, () => 'Không được để trống.'],
  [/^(\d{4}-\d{2}-\d{2}) is in the future \(today is (\d{4}-\d{2}-\d{2}) in Vietnam\)$/,
    (m) => `Ngày ${isoToVn(m[1])} ở tương lai (hôm nay là ${isoToVn(m[2])}).`],
  [/^(\d{4}-\d{2}-\d{2}) is before the issue date (\d{4}-\d{2}-\d{2})$/,
    (m) => `Hạn xử lý ${isoToVn(m[1])} trước ngày ban hành ${isoToVn(m[2])}.`],
  [/^Input should be a valid date/, () => 'Ngày không hợp lệ (dd/mm/yyyy).'],
  [/^Input should be greater than or equal to (\d+)$/, (m) => `Phải từ ${m[1]} trở lên.`],
  [/^Input should be less than or equal to (\d+)$/, (m) => `Không được quá ${m[1]}.`],
  [/^at least one file/, () => 'Cần ít nhất một tệp (bản quét hoặc tệp điện tử).'],
  [/is not in the directory of (\S+)$/, (m) => `Bạn không có trong danh bạ của cơ quan ${m[1]} (danh bạ có thể đang được cập nhật, thử lại sau ít giây).`],
  [/^the directory of (\S+) does not list/, (m) => `Danh bạ của cơ quan ${m[1]} không ghi nhận vai trò này của bạn.`],
  [/^requires one of the roles/, () => 'Bạn không có vai trò được phép làm việc này.'],
  [/^invalid token|^a bearer token is required/, () => 'Phiên làm việc đã hết hạn, vui lòng đăng nhập lại.'],
  [/^no unit (\S+) in (\S+)$/, (m) => `Không có đơn vị "${m[1]}" trong cơ quan ${m[2]}.`],
  [/^String should have at least 1 character/, () => 'Không được để trống.'],
  [/^String should match pattern '\^\[\^@/, () => 'Địa chỉ thư điện tử không hợp lệ.'],
  [/^String should match pattern/, () => 'Chỉ dùng chữ không dấu, số và . _ : - (bắt đầu bằng chữ hoặc số).'],
  [/^String should have at most (\d+) characters?$/, (m) => `Quá dài: tối đa ${m[1]} ký tự.`],
  [/^is \d+ characters long; at most (\d+) are allowed$/, (m) => `Quá dài: tối đa ${m[1]} ký tự.`],
];

export function vietnamese(message: string): string {
  for (const [pattern, say] of MESSAGES) {
    const match = pattern.exec(message);
    if (match) return say(match);
  }
  return message;
}

function isoToVn(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}
