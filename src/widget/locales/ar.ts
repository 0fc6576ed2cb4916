// Arabic strings (the widget lays itself out right-to-left for this locale).
import errors from '../../protocol/locales/ar.js';
import type { Messages } from '../messages.js';

export default {
  heading: 'تواصل معنا',
  name: 'الاسم',
  email: 'البريد الإلكتروني',
  phone: 'الهاتف',
  message: 'الرسالة',
  submit: 'إرسال',
  submitting: 'جارٍ الإرسال…',
  success: 'شكرًا لك! سنعاود التواصل معك قريبًا.',
  delivering: 'رسالتك في طريقها إلى فريقنا.',
  unreachable: 'لم يستجب خادمنا. تم حفظ رسالتك على هذا الجهاز وسيتم إرسالها تلقائيًا.',
  queued: 'يبدو أنك غير متصل بالإنترنت. تم حفظ رسالتك على هذا الجهاز وسيتم إرسالها عند عودة الاتصال.',
  summary: 'يُرجى تصحيح ما يلي:',
  launcher: 'اتصل بنا',
  close: 'إغلاق',
  ...errors,
  error: 'لم تُرسل رسالتك. تحقق من اتصالك ثم أرسل مرة أخرى.',
} satisfies Messages;
