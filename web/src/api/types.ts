// The shapes the services answer with. What the services' OpenAPI documents describe comes from
// ./generated/ (`make web-api-types`, checked for drift by tests/unit/test_web_api_types.py); the
// answers still untyped dicts there (intake's documents) are written by hand below.

import type { components as IntakeComponents } from './generated/intake';
import type { components as RoutingComponents } from './generated/routing';
import type { components as ExchangeComponents } from './generated/exchange';
import type { components as ArchiveComponents } from './generated/archive';

export type { paths as IntakePaths } from './generated/intake';
export type { paths as RoutingPaths } from './generated/routing';
export type { paths as ExchangePaths } from './generated/exchange';
export type { paths as ArchivePaths } from './generated/archive';

/** A named schema of a service's OpenAPI document, e.g. `RoutingSchema<'DirectionIn'>`. */
export type IntakeSchema<K extends keyof IntakeComponents['schemas']> = IntakeComponents['schemas'][K];
export type RoutingSchema<K extends keyof RoutingComponents['schemas']> = RoutingComponents['schemas'][K];
export type ExchangeSchema<K extends keyof ExchangeComponents['schemas']> = ExchangeComponents['schemas'][K];
export type ArchiveSchema<K extends keyof ArchiveComponents['schemas']> = ArchiveComponents['schemas'][K];

// The request bodies the app sends, as the services validate them.
export type OutgoingDocumentMetadata = IntakeSchema<'OutgoingDocumentMetadata'>;
export type NumberRequest = IntakeSchema<'NumberRequest'>;
export type VoidRequest = IntakeSchema<'VoidRequest'>;
export type DirectionIn = RoutingSchema<'DirectionIn'>;
export type AssignmentIn = RoutingSchema<'AssignmentIn'>;
export type ReassignmentIn = RoutingSchema<'ReassignmentIn'>;
export type ProgressIn = RoutingSchema<'ProgressIn'>;
export type CompletionIn = RoutingSchema<'CompletionIn'>;
export type ReturnIn = RoutingSchema<'ReturnIn'>;
export type ReviewIn = RoutingSchema<'ReviewIn'>;
export type UnitIn = RoutingSchema<'UnitIn'>;
export type UserIn = RoutingSchema<'UserIn'>;
export type DelegationIn = RoutingSchema<'DelegationIn'>;
export type RulesIn = RoutingSchema<'RulesIn'>;
export type CalendarPeriod = RoutingSchema<'CalendarPeriod'>;
export type Indicators = RoutingSchema<'Indicators'>;
export type SignInConfig = IntakeSchema<'SignInConfig'>;

export type DirectoryUser = RoutingSchema<'UserOut'>;

export type DirectoryUnit = RoutingSchema<'UnitOut'>;

export interface StoredFile {
  file_id: string;
  name: string;
  media_type: string;
  size: number;
  sha256: string;
  role: string;
}

export interface OcrResult {
  pages: unknown[] | null;
  needs_review: boolean | null;
  text: string | null;
  derivative: StoredFile | null;
  error: string | null;
}

export interface IncomingMetadata {
  channel: string;
  issuer: { name: string; agency_code?: string | null };
  document_type: string;
  code_number: string;
  code_notation: string;
  issued_date: string;
  subject: string;
  page_count: number;
  signer: { competence?: string | null; position: string; full_name: string };
  urgency: string;
  confidentiality: string;
  due_date?: string | null;
  recipients?: OutgoingRecipient[];
  reply_to?: string[];
  notes?: string | null;
}

export type OutgoingRecipient = IntakeSchema<'OutgoingRecipient'>;

/** Where a sent document stands at one recipient agency, worded by intake in Vietnamese. */
export interface RecipientStatus {
  agency_code: string;
  name: string;
  label: string;
  error: boolean;
  delivery: { state: string; label: string; reason: string | null; attempt: number | null; at: string | null };
  processing: { status_code: string; label: string; description: string | null; at: string | null } | null;
  history: { at: string | null; label: string; detail: string | null }[];
}

export interface IntakeDocument {
  id: string;
  kind: string;
  status: string;
  agency_code: string;
  number: number | null;
  year: number | null;
  arrival_number?: number | null;
  arrival_year?: number | null;
  registered_at: string | null;
  registered_by: { user_id?: string; full_name?: string } | null;
  channel: string | null;
  metadata: IncomingMetadata;
  files: StoredFile[];
  ocr: Record<string, OcrResult>;
  signatures: Record<string, unknown>;
  duplicate_of?: string;
  duplicate_reason?: string;
  void_reason?: string;
  code_number?: string;
  code_notation?: string;
  issued_date?: string;
  place?: string | null;
  send_requested_to?: string[];
  recipient_statuses?: RecipientStatus[];
}

export interface DocumentPage {
  items: IntakeDocument[];
  total: number;
  offset: number;
  limit: number;
}

export interface Duplicate {
  detail: string;
  existing_id: string;
  same: string;
}

export type PersonRef = RoutingSchema<'PersonOut'>;
export type RoutingFile = RoutingSchema<'FileOut'>;
export type Task = RoutingSchema<'TaskOut'>;
/** Who decided and who typed it in (routing's authorship view); a secretary's proxy entry has
 * `on_behalf` and the scanned slip as `evidence_file`. */
export type Authorship = RoutingSchema<'AuthorshipOut'>;
export type Decision = RoutingSchema<'DecisionOut'>;
export type Draft = RoutingSchema<'DraftOut'>;
/** One line of routing's task lists (/tasks/mine, /units/{id}/tasks). */
export type TaskLine = RoutingSchema<'TaskLineOut'>;
export type RoutingCase = RoutingSchema<'CaseOut'>;
export type Delegation = RoutingSchema<'DelegationOut'>;
export type RoutingRules = RoutingSchema<'RulesOut'>;
export type ImportRefusal = RoutingSchema<'ImportRefusal'>;
export type RowError = RoutingSchema<'RowError'>;
