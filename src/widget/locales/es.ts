// Spanish strings.
import errors from '../../protocol/locales/es.js';
import type { Messages } from '../messages.js';

export default {
  heading: 'Contacte con nosotros',
  name: 'Nombre',
  email: 'Correo electrónico',
  phone: 'Teléfono',
  message: 'Mensaje',
  submit: 'Enviar',
  submitting: 'Enviando…',
  success: '¡Gracias! Le responderemos pronto.',
  delivering: 'Su mensaje está en camino a nuestro equipo.',
  unreachable: 'Nuestro servidor no respondió. Su mensaje está guardado en este dispositivo y se enviará automáticamente.',
  queued: 'Parece que no tiene conexión. Su mensaje está guardado en este dispositivo y se enviará cuando vuelva la conexión.',
  summary: 'Corrija lo siguiente:',
  launcher: 'Contacto',
  close: 'Cerrar',
  ...errors,
  error: 'Su mensaje no se envió. Compruebe su conexión y vuelva a enviar.',
} satisfies Messages;
