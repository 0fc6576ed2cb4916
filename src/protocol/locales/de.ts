// German sentences for the field error codes and the refusals a visitor can act on: shared by the widget's German pack and the no-JavaScript form pages.
import type { ExplainedCode } from '../wire.js';

export default {
  required: 'Bitte füllen Sie dieses Feld aus.',
  too_long: 'Dieser Text ist zu lang. Bitte kürzen Sie ihn.',
  invalid_email: 'Geben Sie eine E-Mail-Adresse wie name@example.com ein.',
  invalid_phone: 'Geben Sie eine Telefonnummer aus Ziffern ein, z. B. +49 30 1234567.',
  invalid_type: 'Bitte prüfen Sie Ihre Eingabe.',
  invalid_url: 'Bitte prüfen Sie Ihre Eingabe.',
  unknown_field: 'Dieses Formular hat ein unbekanntes Feld gesendet. Bitte kontaktieren Sie uns auf anderem Weg.',
  consent_required: 'Bitte setzen Sie das Häkchen, um fortzufahren.',
  invalid_characters: 'Bitte entfernen Sie die Sonderzeichen aus diesem Feld.',
  unknown_option: 'Bitte wählen Sie eine der angegebenen Optionen.',
  out_of_range: 'Bitte geben Sie einen Wert im angegebenen Bereich ein.',
  invalid_number: 'Bitte geben Sie eine Zahl ein.',
  invalid_date: 'Bitte geben Sie ein Datum wie 2026-01-31 ein.',
  invalid_field: 'Einige Felder sind nicht korrekt. Bitte korrigieren Sie sie und senden Sie erneut.',
  rate_limited: 'Zu viele Versuche. Bitte warten Sie eine Minute und senden Sie dann erneut.',
  spam_suspected: 'Wir konnten diese Nachricht nicht annehmen. Bitte warten Sie kurz und senden Sie erneut.',
  origin_not_allowed: 'Dieses Formular ist für diese Website noch nicht eingerichtet. Bitte kontaktieren Sie uns auf anderem Weg.',
  captcha_failed: 'Die Sicherheitsprüfung hat nicht geklappt. Senden Sie erneut, um sie zu wiederholen.',
} satisfies Record<ExplainedCode, string>;
