// Bulk scan import (Nhập lô bản quét): the manifest's columns as the clerk reads them, the chosen
// scans matched to its rows, and a batch of scans with shared fields written as a manifest, so
// that both go through intake's one check (POST /v1/imports/scans/manifest, ADR 0015 addendum).
import { vietnamese } from './labels';

/** The manifest's columns (the CLI's, `vanthu intake import-scans`) and what each holds. */
export const REQUIRED_COLUMNS: [string, string][] = [
  ['file', 'Tên tệp bản quét (đường dẫn trong thư mục)'],
  ['issuer_name', 'Cơ quan ban hành'],
  ['document_type', 'Loại văn bản (Công văn, Quyết định, QĐ…)'],
  ['code_number', 'Số'],
  ['code_notation', 'Ký hiệu'],
  ['issued_date', 'Ngày ban hành (dd/mm/yyyy)'],
  ['subject', 'Trích yếu'],
  ['page_count', 'Số trang'],
  ['signer_position', 'Chức vụ người ký'],
  ['signer_full_name', 'Họ tên người ký'],
];

export const OPTIONAL_COLUMNS: [string, string][] = [
  ['issuer_agency_code', 'Mã định danh cơ quan ban hành'],
  ['signer_competence', 'Thẩm quyền ký (KT. BỘ TRƯỞNG)'],
  ['urgency', 'Độ khẩn (Thường, Khẩn, Thượng khẩn, Hỏa tốc)'],
  ['confidentiality', 'Độ mật (Thường, Mật, Tối mật, Tuyệt mật)'],
  ['allowed_user_ids', 'Người được xem văn bản mật (mã người dùng, cách nhau bằng ;)'],
  ['due_date', 'Hạn xử lý (dd/mm/yyyy)'],
  ['recipients', 'Nơi nhận (cách nhau bằng ;)'],
  ['language', 'Ngôn ngữ (vi)'],
  ['notes', 'Ghi chú'],
];

const COLUMN_NAMES: Record<string, string> = {
  ...Object.fromEntries([...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS].map(([c, text]) => [c, text.replace(/ \(.*$/, '')])),
  row: 'Cả dòng',
  csv: 'Tệp danh sách',
  path: 'Tên tệp',
  batch: 'Tên lô',
  issuer: 'Cơ quan ban hành',
  signer: 'Người ký',
};

/** A field the API names (`subject`, `metadata.signer.full_name`), as the clerk knows it. */
export function columnName(field: string): string {
  const column = field.replace(/^metadata\./, '').replace(/\./g, '_');
  return COLUMN_NAMES[column] ?? COLUMN_NAMES[column.split('_')[0]] ?? field;
}

/** The import's own refusals in Vietnamese; the usual validation messages by labels.vietnamese. */
const MESSAGES: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^'(.*)' is not among the chosen scans$/, (m) => `Chưa chọn tệp "${m[1]}" trong các bản quét.`],
  [/^required columns are missing: \[(.*)\]$/, (m) => `Thiếu cột bắt buộc: ${m[1].replace(/'/g, '')}.`],
  [/^unknown columns \[(.*?)\]/, (m) => `Cột không có trong mẫu: ${m[1].replace(/'/g, '')}.`],
  [/^the manifest is empty/, () => 'Tệp danh sách trống; dòng đầu tiên phải là tên các cột.'],
  [/^'(.*)' was already used on row (\d+)$/, (m) => `Tệp "${m[1]}" đã dùng ở dòng ${m[2]}.`],
  [/^'(.*)' has the same bytes as '(.*)' \(row (\d+) of batch (.*)\), registered as no\. (\d+)\/(\d+)/,
    (m) => `Tệp "${m[1]}" trùng nội dung với "${m[2]}" (dòng ${m[3]} của lô ${m[4]}), đã vào sổ số ${m[5]}/${m[6]}.`],
  [/^already registered as document (\S+) \(same issuer, number, notation and date\)/,
    () => 'Đã có văn bản cùng cơ quan ban hành, số, ký hiệu và ngày ban hành.'],
  [/^already registered as document (\S+) \(same file content\)/, () => 'Đã có văn bản cùng nội dung tệp.'],
  [/^the upload is larger than the limit of (\d+) bytes$/, (m) => `Tệp quá lớn (tối đa ${Math.floor(Number(m[1]) / 1024)} KB).`],
  [/^has (\d+) cells but the header names (\d+) columns$/, (m) => `Dòng có ${m[1]} ô nhưng tiêu đề chỉ có ${m[2]} cột.`],
];

export function sayImportProblem(message: string): string {
  for (const [pattern, say] of MESSAGES) {
    const match = pattern.exec(message);
    if (match) return say(match);
  }
  return vietnamese(message);
}

/** A chosen scan's path as the manifest would name it: inside the chosen folder, else its name. */
export function pathOf(file: File): string {
  const relative = (file as File & { webkitRelativePath?: string }).webkitRelativePath;
  return relative ? relative.split('/').slice(1).join('/') : file.name;
}

/** The scan a manifest row names: by its path, failing that by its name (as intake checks). */
export function scanFor(path: string, scans: File[]): File | undefined {
  const name = path.split('/').pop();
  return scans.find((s) => pathOf(s) === path) ?? scans.find((s) => s.name === name);
}

/** One scan of a batch with shared fields, and what differs from scan to scan. */
export interface OwnFields {
  code_number: string;
  subject: string;
  page_count: string;
}

function cell(value: string): string {
  return /[",;\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Scans with shared fields, written as a manifest (one row per scan, in the scans' order). */
export function manifestOf(shared: Record<string, string>, scans: { path: string; own: OwnFields }[]): string {
  const given = (c: string) => scans.some(({ own }) => (own[c as keyof OwnFields] ?? '').trim() !== '') || (shared[c] ?? '').trim() !== '';
  const used = [...REQUIRED_COLUMNS.map(([c]) => c), ...OPTIONAL_COLUMNS.map(([c]) => c).filter(given)];
  const lines = [used.join(',')];
  for (const { path, own } of scans) {
    const values: Record<string, string> = { ...shared, ...own, file: path };
    lines.push(used.map((c) => cell((values[c] ?? '').trim())).join(','));
  }
  return `${lines.join('\n')}\n`;
}
