// Arabic sentences for the field error codes and the refusals a visitor can act on: shared by the widget's Arabic pack and the no-JavaScript form pages.
import type { ExplainedCode } from '../wire.js';

export default {
  required: 'املأ هذا الحقل.',
  too_long: 'النص طويل جدًا. اختصره وحاول مرة أخرى.',
  invalid_email: 'أدخل عنوان بريد إلكتروني مثل name@example.com.',
  invalid_phone: 'أدخل رقم هاتف بالأرقام فقط، مثل ‎+971 50 123 4567.',
  invalid_type: 'تحقق مما أدخلته هنا.',
  invalid_url: 'تحقق مما أدخلته هنا.',
  unknown_field: 'أرسل هذا النموذج حقلًا غير معروف. يُرجى التواصل معنا بطريقة أخرى.',
  consent_required: 'ضع علامة في هذا المربع للمتابعة.',
  invalid_characters: 'احذف الرموز الخاصة من هذا الحقل.',
  unknown_option: 'اختر أحد الخيارات المعروضة.',
  out_of_range: 'أدخل قيمة ضمن النطاق المحدد.',
  invalid_number: 'أدخل رقمًا.',
  invalid_date: 'أدخل تاريخًا مثل 2026-01-31.',
  invalid_field: 'بعض الحقول تحتاج إلى تصحيح. صححها ثم أرسل مرة أخرى.',
  rate_limited: 'محاولات كثيرة جدًا. انتظر دقيقة ثم أرسل مرة أخرى.',
  spam_suspected: 'تعذر قبول هذه الرسالة. انتظر لحظة ثم أرسل مرة أخرى.',
  origin_not_allowed: 'هذا النموذج غير مُعدّ لهذا الموقع بعد. يُرجى التواصل معنا بطريقة أخرى.',
  captcha_failed: 'لم يكتمل التحقق الأمني. أرسل مرة أخرى لإعادة المحاولة.',
} satisfies Record<ExplainedCode, string>;
