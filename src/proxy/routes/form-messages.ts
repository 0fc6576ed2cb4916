// The sentences of the pages the proxy answers a form posted without JavaScript with (en, de, es, fr, ar).
// The sentences for field errors and the refusals a visitor can act on are the widget's too: src/protocol/locales/.
import enErrors from '../../protocol/locales/en.js';
import deErrors from '../../protocol/locales/de.js';
import esErrors from '../../protocol/locales/es.js';
import frErrors from '../../protocol/locales/fr.js';
import arErrors from '../../protocol/locales/ar.js';
import type { ExplainedCode } from '../../protocol/wire.js';

/** Labels of the fields a refusal can name, plus the generic one for any other field. */
type FieldLabel = 'name' | 'email' | 'phone' | 'message' | 'consent' | 'phoneCountry' | 'field';
/**
 * Request-level refusals only the page explains (the widget never meets them, or says them its own way); the shared
 * ones are in ExplainedCode. Anything else reads as `unavailable` (5xx) or `error`.
 */
type RefusalKey = 'captcha_failed' | 'body_too_large' | 'unsupported_media_type' | 'questions_changed' | 'unavailable' | 'error';
type PageKey = 'thanksTitle' | 'thanks' | 'notSentTitle' | 'retryTitle' | 'back' | 'backHint' | 'youEntered' | 'yourMessage' | 'yourDetails' | 'moreProblems';

export type FormMessages = Record<FieldLabel | ExplainedCode | RefusalKey | PageKey, string>;

const en: FormMessages = {
  thanksTitle: 'Thank you',
  thanks: 'Thank you! We will get back to you soon.',
  notSentTitle: 'Your message was not sent',
  retryTitle: 'Try again in a moment',
  back: 'Back to the page',
  backHint: 'Use your browser’s Back button to return to the form.',
  youEntered: 'You entered:',
  yourMessage: 'Your message, so you can copy it:',
  yourDetails: 'What you entered, so you can send it another way:',
  moreProblems: 'Other fields were not accepted either.',
  name: 'Name',
  email: 'Email',
  phone: 'Phone',
  message: 'Message',
  consent: 'Consent',
  phoneCountry: 'Phone country',
  field: 'A field',
  ...enErrors,
  captcha_failed: 'This form needs its captcha, which needs JavaScript. Turn JavaScript on, or contact us another way.',
  body_too_large: 'Your message is too long to send. Shorten it and send again.',
  unsupported_media_type: 'This form cannot be sent this way. Please contact us another way.',
  questions_changed: 'This form has changed since the page was loaded. Go back, reload the page, and send again.',
  unavailable: 'We could not take your message just now. Wait a moment, then send it again.',
  error: 'Your message was not sent. Send it again in a moment.',
};

const de: FormMessages = {
  thanksTitle: 'Vielen Dank',
  thanks: 'Vielen Dank! Wir melden uns bald bei Ihnen.',
  notSentTitle: 'Ihre Nachricht wurde nicht gesendet',
  retryTitle: 'Bitte versuchen Sie es gleich noch einmal',
  back: 'Zurück zur Seite',
  backHint: 'Mit der Zurück-Taste Ihres Browsers kommen Sie zum Formular zurück.',
  youEntered: 'Ihre Eingabe:',
  yourMessage: 'Ihre Nachricht zum Kopieren:',
  yourDetails: 'Ihre Angaben, damit Sie sie auf anderem Weg senden können:',
  moreProblems: 'Auch weitere Felder wurden nicht angenommen.',
  name: 'Name',
  email: 'E-Mail',
  phone: 'Telefon',
  message: 'Nachricht',
  consent: 'Einwilligung',
  phoneCountry: 'Land der Telefonnummer',
  field: 'Ein Feld',
  ...deErrors,
  captcha_failed: 'Dieses Formular braucht sein Captcha, und das braucht JavaScript. Schalten Sie JavaScript ein oder kontaktieren Sie uns auf anderem Weg.',
  body_too_large: 'Ihre Nachricht ist zu lang zum Senden. Bitte kürzen Sie sie und senden Sie erneut.',
  unsupported_media_type: 'Dieses Formular lässt sich so nicht senden. Bitte kontaktieren Sie uns auf anderem Weg.',
  questions_changed: 'Dieses Formular hat sich geändert, seit die Seite geladen wurde. Gehen Sie zurück, laden Sie die Seite neu und senden Sie erneut.',
  unavailable: 'Wir konnten Ihre Nachricht gerade nicht annehmen. Bitte warten Sie kurz und senden Sie sie erneut.',
  error: 'Ihre Nachricht wurde nicht gesendet. Bitte senden Sie sie gleich noch einmal.',
};

const es: FormMessages = {
  thanksTitle: 'Gracias',
  thanks: '¡Gracias! Le responderemos pronto.',
  notSentTitle: 'Su mensaje no se envió',
  retryTitle: 'Inténtelo de nuevo en un momento',
  back: 'Volver a la página',
  backHint: 'Use el botón Atrás de su navegador para volver al formulario.',
  youEntered: 'Usted escribió:',
  yourMessage: 'Su mensaje, para que pueda copiarlo:',
  yourDetails: 'Lo que escribió, para que pueda enviarlo por otra vía:',
  moreProblems: 'Tampoco se aceptaron otros campos.',
  name: 'Nombre',
  email: 'Correo electrónico',
  phone: 'Teléfono',
  message: 'Mensaje',
  consent: 'Consentimiento',
  phoneCountry: 'País del teléfono',
  field: 'Un campo',
  ...esErrors,
  captcha_failed: 'Este formulario necesita su captcha, que necesita JavaScript. Active JavaScript o contáctenos por otra vía.',
  body_too_large: 'Su mensaje es demasiado largo para enviarlo. Acórtelo y envíe de nuevo.',
  unsupported_media_type: 'Este formulario no se puede enviar así. Contáctenos por otra vía.',
  questions_changed: 'Este formulario cambió desde que se cargó la página. Vuelva atrás, recargue la página y envíe de nuevo.',
  unavailable: 'No pudimos recibir su mensaje ahora mismo. Espere un momento y envíelo de nuevo.',
  error: 'Su mensaje no se envió. Envíelo de nuevo en un momento.',
};

const fr: FormMessages = {
  thanksTitle: 'Merci',
  thanks: 'Merci ! Nous vous répondrons bientôt.',
  notSentTitle: 'Votre message n’a pas été envoyé',
  retryTitle: 'Réessayez dans un instant',
  back: 'Retour à la page',
  backHint: 'Utilisez le bouton Retour de votre navigateur pour revenir au formulaire.',
  youEntered: 'Vous avez saisi :',
  yourMessage: 'Votre message, pour le copier :',
  yourDetails: 'Ce que vous avez saisi, pour l’envoyer autrement :',
  moreProblems: 'D’autres champs n’ont pas été acceptés non plus.',
  name: 'Nom',
  email: 'E-mail',
  phone: 'Téléphone',
  message: 'Message',
  consent: 'Consentement',
  phoneCountry: 'Pays du téléphone',
  field: 'Un champ',
  ...frErrors,
  captcha_failed: 'Ce formulaire a besoin de son captcha, qui a besoin de JavaScript. Activez JavaScript ou contactez-nous autrement.',
  body_too_large: 'Votre message est trop long pour être envoyé. Raccourcissez-le et renvoyez.',
  unsupported_media_type: 'Ce formulaire ne peut pas être envoyé ainsi. Contactez-nous autrement.',
  questions_changed: 'Ce formulaire a changé depuis le chargement de la page. Revenez en arrière, rechargez la page et renvoyez.',
  unavailable: 'Nous n’avons pas pu recevoir votre message pour l’instant. Attendez un instant, puis renvoyez-le.',
  error: 'Votre message n’a pas été envoyé. Renvoyez-le dans un instant.',
};

const ar: FormMessages = {
  thanksTitle: 'شكرًا لك',
  thanks: 'شكرًا لك! سنعاود التواصل معك قريبًا.',
  notSentTitle: 'لم تُرسل رسالتك',
  retryTitle: 'حاول مرة أخرى بعد لحظة',
  back: 'العودة إلى الصفحة',
  backHint: 'استخدم زر الرجوع في متصفحك للعودة إلى النموذج.',
  youEntered: 'ما أدخلته:',
  yourMessage: 'رسالتك، لتتمكن من نسخها:',
  yourDetails: 'ما أدخلته، لتتمكن من إرساله بطريقة أخرى:',
  moreProblems: 'لم تُقبل حقول أخرى أيضًا.',
  name: 'الاسم',
  email: 'البريد الإلكتروني',
  phone: 'الهاتف',
  message: 'الرسالة',
  consent: 'الموافقة',
  phoneCountry: 'بلد رقم الهاتف',
  field: 'حقل',
  ...arErrors,
  captcha_failed: 'يحتاج هذا النموذج إلى اختبار التحقق الخاص به، وهو يحتاج إلى JavaScript. فعّل JavaScript أو تواصل معنا بطريقة أخرى.',
  body_too_large: 'رسالتك أطول من أن تُرسل. اختصرها ثم أرسل مرة أخرى.',
  unsupported_media_type: 'لا يمكن إرسال هذا النموذج بهذه الطريقة. يُرجى التواصل معنا بطريقة أخرى.',
  questions_changed: 'تغيّر هذا النموذج منذ تحميل الصفحة. ارجع، وأعد تحميل الصفحة، ثم أرسل من جديد.',
  unavailable: 'تعذر استلام رسالتك الآن. انتظر لحظة ثم أرسلها مرة أخرى.',
  error: 'لم تُرسل رسالتك. أرسلها مرة أخرى بعد لحظة.',
};

const PACKS: Record<string, FormMessages> = { en, de, es, fr, ar };
const RTL = new Set(['ar']);

/** A page's language: `en`, `de`, `es`, `fr` or `ar`, and its writing direction. */
export interface FormLocale {
  lang: string;
  dir: 'ltr' | 'rtl';
  t: FormMessages;
}

function known(tag: string | undefined): string | undefined {
  const base = (tag ?? '').trim().toLowerCase().split(/[-_]/)[0]!;
  // Own keys only: `constructor` is `in` every object, and its pack would be a function.
  return Object.hasOwn(PACKS, base) ? base : undefined;
}

/**
 * The form's `locale` field when it names a language we have; else the first one we have in Accept-Language (by
 * its q weights); else English.
 */
export function formLocale(requested: string | undefined, acceptLanguage: string | null): FormLocale {
  const fromHeader = (acceptLanguage ?? '')
    .split(',')
    .slice(0, 20)
    .map((part, index) => {
      const [tag, ...params] = part.split(';');
      const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith('q='))?.slice(2) ?? 1);
      return { lang: known(tag), q: Number.isFinite(q) ? q : 0, index };
    })
    .filter((entry) => entry.lang && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)[0]?.lang;
  const lang = known(requested) ?? fromHeader ?? 'en';
  return { lang, dir: RTL.has(lang) ? 'rtl' : 'ltr', t: PACKS[lang]! };
}
