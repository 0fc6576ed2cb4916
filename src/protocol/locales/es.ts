// Spanish sentences for the field error codes and the refusals a visitor can act on: shared by the widget's Spanish pack and the no-JavaScript form pages.
import type { ExplainedCode } from '../wire.js';

export default {
  required: 'Rellene este campo.',
  too_long: 'El texto es demasiado largo. Acórtelo e inténtelo de nuevo.',
  invalid_email: 'Introduzca un correo electrónico como nombre@ejemplo.com.',
  invalid_phone: 'Introduzca un número de teléfono solo con dígitos, como +34 612 345 678.',
  invalid_type: 'Revise lo que ha escrito aquí.',
  invalid_url: 'Revise lo que ha escrito aquí.',
  unknown_field: 'Este formulario envió un campo desconocido. Contáctenos por otra vía.',
  consent_required: 'Marque esta casilla para continuar.',
  invalid_characters: 'Elimine los caracteres especiales de este campo.',
  unknown_option: 'Elija una de las opciones indicadas.',
  out_of_range: 'Introduzca un valor dentro del rango indicado.',
  invalid_number: 'Introduzca un número.',
  invalid_date: 'Introduzca una fecha como 2026-01-31.',
  invalid_field: 'Algunos campos necesitan su atención. Corríjalos y envíe de nuevo.',
  rate_limited: 'Demasiados intentos. Espere un minuto y vuelva a enviar.',
  spam_suspected: 'No pudimos aceptar este mensaje. Espere un momento y vuelva a enviar.',
  origin_not_allowed: 'Este formulario aún no está configurado para este sitio. Contáctenos por otra vía.',
  captcha_failed: 'La verificación de seguridad no se completó. Envíe de nuevo para repetirla.',
} satisfies Record<ExplainedCode, string>;
