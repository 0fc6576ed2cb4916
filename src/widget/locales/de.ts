// German strings.
import errors from '../../protocol/locales/de.js';
import type { Messages } from '../messages.js';

export default {
  heading: 'Kontakt aufnehmen',
  name: 'Name',
  email: 'E-Mail',
  phone: 'Telefon',
  message: 'Nachricht',
  submit: 'Senden',
  submitting: 'Wird gesendet …',
  success: 'Vielen Dank! Wir melden uns bald bei Ihnen.',
  delivering: 'Ihre Nachricht ist auf dem Weg zu unserem Team.',
  unreachable: 'Unser Server hat nicht geantwortet. Ihre Nachricht ist auf diesem Gerät gespeichert und wird automatisch gesendet.',
  queued: 'Sie scheinen offline zu sein. Ihre Nachricht ist auf diesem Gerät gespeichert und wird gesendet, sobald die Verbindung wieder besteht.',
  summary: 'Bitte korrigieren Sie Folgendes:',
  launcher: 'Kontakt',
  close: 'Schließen',
  ...errors,
  error: 'Ihre Nachricht wurde nicht gesendet. Prüfen Sie Ihre Verbindung und senden Sie erneut.',
} satisfies Messages;
