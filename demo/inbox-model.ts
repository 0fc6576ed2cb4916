// The inbox the demo page shows: the emulator's /_emulator/state reduced to contacts and their conversations.

export interface InboxMessage {
  id: string;
  /** `lead`, `user` or `admin`: who wrote it. */
  author: string;
  authorName: string | null;
  /** Plain text (the HTML Intercom stores, with its tags taken out). */
  text: string;
  createdAt: number;
}

export interface InboxConversation {
  id: string;
  createdAt: number;
  messages: InboxMessage[];
}

export interface InboxContact {
  id: string;
  role: string;
  name: string | null;
  email: string;
  phone: string | null;
  externalId: string | null;
  customAttributes: Record<string, unknown>;
  /** The Intercom companies the contact is attached to (a question with `"company": true` makes one). */
  companies: InboxCompany[];
  conversations: InboxConversation[];
}

export interface InboxCompany {
  id: string;
  name: string;
  /** The proxy's `leadrelay-…` id, derived from its secret and the name. */
  companyId: string;
}

export interface Inbox {
  available: boolean;
  /** Why there is nothing to show (real Intercom: look in your Intercom inbox). */
  note?: string;
  contacts: InboxContact[];
}

/** The parts of /_emulator/state this view reads. */
interface EmulatorState {
  contacts: {
    id: string;
    role: string;
    name: string | null;
    email: string;
    phone: string | null;
    external_id: string | null;
    custom_attributes: Record<string, unknown>;
    updated_at: number;
    companies?: { data?: { id: string }[] };
  }[];
  /** Added by the emulator's companies module; absent from older emulators. */
  companies?: { id: string; name: string; company_id: string }[];
  conversations: {
    id: string;
    created_at: number;
    source: { id: string; body: string; author: { type: string; name?: string | null } };
    contacts: { contacts: { id: string }[] };
    conversation_parts: {
      conversation_parts: { id: string; body: string | null; created_at: number; author: { type: string; name?: string | null } }[];
    };
  }[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: ' ' };

/** Intercom bodies are HTML; the inbox shows their text (the page escapes it again when it renders). */
export function htmlToText(body: string | null): string {
  return (body ?? '')
    .replace(/<br\s*\/?>|<\/p>\s*<p>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_, name: string) => ENTITIES[name] ?? '')
    .trim();
}

export function inboxFromEmulatorState(state: EmulatorState): Inbox {
  // Newest activity first; among equals (same second), the one created last first.
  const contacts = [...state.contacts].reverse().sort((a, b) => b.updated_at - a.updated_at);
  const companies = new Map((state.companies ?? []).map((company) => [company.id, company]));
  return {
    available: true,
    contacts: contacts.map((contact) => ({
      id: contact.id,
      role: contact.role,
      name: contact.name,
      email: contact.email,
      phone: contact.phone,
      externalId: contact.external_id,
      customAttributes: contact.custom_attributes,
      companies: (contact.companies?.data ?? []).flatMap(({ id }) => {
        const company = companies.get(id);
        return company ? [{ id, name: company.name, companyId: company.company_id }] : [];
      }),
      conversations: state.conversations
        .filter((conversation) => conversation.contacts.contacts.some((ref) => ref.id === contact.id))
        .map((conversation) => ({
          id: conversation.id,
          createdAt: conversation.created_at,
          messages: [
            { id: conversation.source.id, body: conversation.source.body, created_at: conversation.created_at, author: conversation.source.author },
            ...conversation.conversation_parts.conversation_parts,
          ]
            .filter((part) => part.body)
            .map((part) => ({
              id: part.id,
              author: part.author.type,
              authorName: part.author.name ?? null,
              text: htmlToText(part.body),
              createdAt: part.created_at,
            })),
        })),
    })),
  };
}
