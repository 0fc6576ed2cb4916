// French strings.
import errors from '../../protocol/locales/fr.js';
import type { Messages } from '../messages.js';

export default {
  heading: 'Nous contacter',
  name: 'Nom',
  email: 'E-mail',
  phone: 'Téléphone',
  message: 'Message',
  submit: 'Envoyer',
  submitting: 'Envoi…',
  success: 'Merci ! Nous vous répondrons bientôt.',
  delivering: 'Votre message est en route vers notre équipe.',
  unreachable: 'Notre serveur n’a pas répondu. Votre message est enregistré sur cet appareil et sera envoyé automatiquement.',
  queued: 'Vous semblez hors ligne. Votre message est enregistré sur cet appareil et sera envoyé dès le retour de la connexion.',
  summary: 'Veuillez corriger ce qui suit :',
  launcher: 'Contact',
  close: 'Fermer',
  ...errors,
  error: 'Votre message n’a pas été envoyé. Vérifiez votre connexion et renvoyez-le.',
} satisfies Messages;
