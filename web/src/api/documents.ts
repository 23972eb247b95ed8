// Reading intake's documents as the generated types describe them: a number voided before its
// document was stored has no metadata, and an incoming document names its recipients as text.
import type { IncomingMetadata, IntakeDocument, IntakeSchema } from './types';

export type Recipient = IntakeSchema<'RecipientOut'>;

/** The document's metadata; empty for a void number whose document never came. */
export function metadataOf(document: IntakeDocument): IncomingMetadata {
  return document.metadata ?? {};
}

/** Nơi nhận, each as a recipient: a unit, an agency or a name. */
export function recipientsOf(metadata: IncomingMetadata): Recipient[] {
  return (metadata.recipients ?? []).map((r) => (typeof r === 'string' ? { name: r } : r));
}
