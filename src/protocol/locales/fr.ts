// French sentences for the field error codes and the refusals a visitor can act on: shared by the widget's French pack and the no-JavaScript form pages.
import type { ExplainedCode } from '../wire.js';

export default {
  required: 'Remplissez ce champ.',
  too_long: 'Ce texte est trop long. Raccourcissez-le et réessayez.',
  invalid_email: 'Saisissez une adresse e-mail comme nom@exemple.fr.',
  invalid_phone: 'Saisissez un numéro de téléphone en chiffres, comme +33 6 12 34 56 78.',
  invalid_type: 'Vérifiez votre saisie.',
  invalid_url: 'Vérifiez votre saisie.',
  unknown_field: 'Ce formulaire a envoyé un champ inconnu. Contactez-nous autrement.',
  consent_required: 'Cochez cette case pour continuer.',
  invalid_characters: 'Supprimez les caractères spéciaux de ce champ.',
  unknown_option: 'Choisissez l’une des options proposées.',
  out_of_range: 'Saisissez une valeur dans la plage indiquée.',
  invalid_number: 'Saisissez un nombre.',
  invalid_date: 'Saisissez une date comme 2026-01-31.',
  invalid_field: 'Certains champs sont à corriger. Corrigez-les puis renvoyez.',
  rate_limited: 'Trop de tentatives. Attendez une minute, puis renvoyez.',
  spam_suspected: 'Nous n’avons pas pu accepter ce message. Attendez un instant, puis renvoyez.',
  origin_not_allowed: 'Ce formulaire n’est pas encore configuré pour ce site. Contactez-nous autrement.',
  captcha_failed: 'La vérification de sécurité n’a pas abouti. Envoyez à nouveau pour la refaire.',
} satisfies Record<ExplainedCode, string>;
