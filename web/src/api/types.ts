// The shapes the services answer with. What the services' OpenAPI documents describe comes from
// ./generated/ (`make web-api-types`, checked for drift by tests/unit/test_web_api_types.py); every
// answer is described there, the names below alias them.

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

/** A file intake keeps for a document (the original, attachments, OCR derivatives). */
export type StoredFile = IntakeSchema<'FileOut'>;

export type OcrResult = IntakeSchema<'OcrOut'>;

/** The metadata as registered: an incoming, outgoing, migrated or received document's. */
export type IncomingMetadata = IntakeSchema<'MetadataOut'>;

export type OutgoingRecipient = IntakeSchema<'OutgoingRecipient'>;

/** Where a sent document stands at one recipient agency, worded by intake in Vietnamese. */
export type RecipientStatus = IntakeSchema<'RecipientStatusOut'>;

/** A document of intake's registry (GET /v1/documents/{id}); optional keys only where it has them. */
export type IntakeDocument = IntakeSchema<'DocumentOut'>;

export type DocumentPage = IntakeSchema<'DocumentPage'>;

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
