// GET|POST /data_attributes, and the rule that a contact's custom attributes must exist as data attributes first.
import { bodyObject, type EmulatorApp } from './context.js';
import { IntercomApiError, invalidParameter, missingParameter } from './errors.js';
import { nowSeconds, type DataAttributeRecord, type EmulatorState } from './state.js';

const DATA_TYPES = ['string', 'integer', 'float', 'boolean', 'date', 'datetime', 'options'] as const;

/** Standard contact attributes every workspace has (a subset: the ones this API surface touches). */
const STANDARD_ATTRIBUTES: Array<[string, DataAttributeRecord['data_type']]> = [
  ['name', 'string'],
  ['email', 'string'],
  ['phone', 'string'],
  ['external_id', 'string'],
  ['role', 'string'],
  ['created_at', 'date'],
  ['updated_at', 'date'],
];

function dataAttributeView(attribute: DataAttributeRecord, custom: boolean) {
  return {
    type: 'data_attribute',
    id: attribute.id,
    model: attribute.model,
    name: attribute.name,
    full_name: custom ? `custom_attributes.${attribute.name}` : attribute.name,
    label: attribute.name,
    // The response schema's enum has no `datetime`/`options`: Intercom reports those as `date`/`string`.
    data_type: attribute.data_type === 'datetime' ? 'date' : attribute.data_type === 'options' ? 'string' : attribute.data_type,
    options: attribute.options,
    api_writable: true,
    messenger_writable: attribute.messenger_writable,
    ui_writable: true,
    custom,
    archived: false,
    created_at: attribute.created_at,
    updated_at: attribute.updated_at,
    admin_id: '1',
  };
}

function valueMatchesType(value: unknown, type: DataAttributeRecord['data_type']): boolean {
  if (value === null) return true;
  switch (type) {
    case 'string':
    case 'options':
      return typeof value === 'string';
    case 'integer':
    case 'date':
    case 'datetime':
      return typeof value === 'number' && Number.isInteger(value);
    case 'float':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
  }
}

/**
 * Intercom refuses a custom attribute that is not defined in the workspace. The emulator answers
 * 400 `parameter_not_found` "Custom attribute '<name>' does not exist", and 400 `parameter_invalid`
 * when the value does not fit the attribute's data type.
 */
export function checkCustomAttributes(
  state: EmulatorState,
  value: unknown,
  model: DataAttributeRecord['model'] = 'contact',
): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalidParameter('custom_attributes', 'custom_attributes must be an object');
  }
  const attributes = value as Record<string, unknown>;
  for (const [name, attributeValue] of Object.entries(attributes)) {
    const definition = state.dataAttributes.get(`${model}:${name}`);
    if (!definition) {
      throw new IntercomApiError(400, 'parameter_not_found', `Custom attribute '${name}' does not exist`, 'custom_attributes');
    }
    if (!valueMatchesType(attributeValue, definition.data_type)) {
      throw invalidParameter('custom_attributes', `Custom attribute '${name}' must be of type ${definition.data_type}`);
    }
    // A list attribute takes only its own options (Intercom validates them on contact and company writes).
    if (definition.data_type === 'options' && attributeValue !== null && !definition.options.includes(attributeValue as string)) {
      throw invalidParameter('custom_attributes', `Custom attribute '${name}' must be one of its options`);
    }
  }
  return attributes;
}

export function registerDataAttributeRoutes(app: EmulatorApp): void {
  app.get('/data_attributes', (c) => {
    const state = c.get('state');
    const model = c.req.query('model');
    const created = nowSeconds();
    const standard = STANDARD_ATTRIBUTES.map(([name, data_type], index) =>
      dataAttributeView(
        { id: index + 1, name, model: 'contact', data_type, options: [], messenger_writable: false, created_at: created, updated_at: created },
        false,
      ),
    );
    const custom = [...state.dataAttributes.values()].map((attribute) => dataAttributeView(attribute, true));
    const data = [...standard, ...custom].filter((attribute) => !model || attribute.model === model);
    return c.json({ type: 'list', data });
  });

  app.post('/data_attributes', (c) => {
    const state = c.get('state');
    const body = bodyObject(c);
    const { name, model, data_type: dataType } = body;
    if (typeof name !== 'string' || name.trim() === '') throw missingParameter('name');
    if (model !== 'contact' && model !== 'company') throw invalidParameter('model', 'model must be contact or company');
    if (typeof dataType !== 'string' || !(DATA_TYPES as readonly string[]).includes(dataType)) {
      throw invalidParameter('data_type', `data_type must be one of ${DATA_TYPES.join(', ')}`);
    }
    if (/[.$]/.test(name) || name.length > 190) throw invalidParameter('name', "Your name for this attribute can't contain '.' or '$'");
    const key = `${model}:${name}`;
    if (state.dataAttributes.has(key) || (model === 'contact' && STANDARD_ATTRIBUTES.some(([standard]) => standard === name))) {
      throw invalidParameter('name', `You already have '${name}' in your workspace. Please use a different name.`);
    }
    const options = Array.isArray(body.options)
      ? body.options.map((option) => String((option as { value?: unknown })?.value ?? option))
      : [];
    const at = nowSeconds();
    const attribute: DataAttributeRecord = {
      id: state.newAttributeId(),
      name,
      model,
      data_type: dataType as DataAttributeRecord['data_type'],
      options,
      messenger_writable: body.messenger_writable === true,
      created_at: at,
      updated_at: at,
    };
    state.dataAttributes.set(key, attribute);
    return c.json(dataAttributeView(attribute, true));
  });
}
