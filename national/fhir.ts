// The registry API's FHIR R4 form: a Bundle (type collection) of Device resources, one per
// implanted device behind an order code. Only product and UDI data: no Patient reference (the
// national service knows no patient); the registry links the Device to its own case record.
//   GET /v1/orders/7KQ4M9PX  Accept: application/fhir+json  → { resourceType: 'Bundle', … }

import type { ImplantJson, OrderJson } from './view.ts';

/** udiCarrier.issuer per scheme: the NamingSystems of HL7's UDI guidance (FHIR R4 Device,
 * "UDI Mapping"). ISBT 128 implants are tissue, not blood containers: ICCBBA's "other" DI. */
export const ISSUER = {
  gs1: 'http://hl7.org/fhir/NamingSystem/gs1-di',
  hibc: 'http://hl7.org/fhir/NamingSystem/hibcc-dI',
  isbt128: 'http://hl7.org/fhir/NamingSystem/iccbba-other-di',
} as const;

export const FHIR_EXTENSION_BASE = 'https://implant-scan.example/fhir/StructureDefinition/';
export const ORDER_CODE_SYSTEM = 'https://implant-scan.example/fhir/NamingSystem/order-code';

type Json = Record<string, unknown>;

export function deviceResource(i: ImplantJson): Json {
  const p = i.product;
  const deviceName: Json[] = [];
  if (p) deviceName.push({ name: p.name, type: 'manufacturer-name' });
  if (p?.modelName) deviceName.push({ name: p.modelName, type: 'model-name' });
  const device: Json = {
    resourceType: 'Device',
    id: i.scanId,
    extension: [
      { url: `${FHIR_EXTENSION_BASE}metadata-status`, valueCode: i.metadataStatus },
      ...i.failedSources.map((name) => ({ url: `${FHIR_EXTENSION_BASE}failed-source`, valueString: name })),
    ],
    identifier: [{ system: ORDER_CODE_SYSTEM, value: i.orderCode }],
    udiCarrier: [{ deviceIdentifier: i.udi.deviceIdentifier, issuer: i.udi.issuer, carrierHRF: i.udi.carrierHRF, entryType: 'barcode' }],
    status: 'active',
  };
  if (p?.manufacturer) device.manufacturer = p.manufacturer;
  if (i.udi.manufactureDate) device.manufactureDate = i.udi.manufactureDate;
  if (i.udi.expirationDate) device.expirationDate = i.udi.expirationDate;
  if (i.udi.lotNumber) device.lotNumber = i.udi.lotNumber;
  if (i.udi.serialNumber) device.serialNumber = i.udi.serialNumber;
  if (deviceName.length > 0) device.deviceName = deviceName;
  if (p?.modelNumber) device.modelNumber = p.modelNumber;
  if (p?.deviceType) device.type = { text: p.deviceType };
  if (p?.deviceClass) device.property = [{ type: { text: 'EU MDR risk class' }, valueCode: [{ text: p.deviceClass }] }];
  return device;
}

export function deviceBundle(order: OrderJson, nowMs: number): Json {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: new Date(nowMs).toISOString(),
    identifier: { system: ORDER_CODE_SYSTEM, value: order.code },
    entry: order.implants.map((i) => ({ fullUrl: `urn:uuid:${i.scanId}`, resource: deviceResource(i) })),
  };
}
