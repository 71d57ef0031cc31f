// Client-side checks that mirror the server's rules, so most mistakes are shown
// before a request is sent. The server stays the authority: its field errors are
// shown the same way.
import { BLOOD_GROUPS } from '../api';
import { clinicInstant, parseDate, today } from './format';

export type FieldErrors = Record<string, string>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function required(errors: FieldErrors, field: string, value: string, label: string) {
  if (!value.trim()) errors[field] = `${label} is required`;
}

function maxLength(errors: FieldErrors, field: string, value: string, max: number) {
  if (!errors[field] && value.trim().length > max) errors[field] = `must be at most ${max} characters`;
}

export interface PatientFields {
  name: string;
  email: string;
  date_of_birth: string;
  phone: string;
  blood_group: string;
  address: string;
}

export function validatePatient(p: PatientFields): FieldErrors {
  const errors: FieldErrors = {};
  required(errors, 'name', p.name, 'Name');
  maxLength(errors, 'name', p.name, 100);
  required(errors, 'email', p.email, 'Email');
  if (!errors.email && !EMAIL.test(p.email.trim())) errors.email = 'must be a valid email address';
  maxLength(errors, 'email', p.email, 120);
  required(errors, 'date_of_birth', p.date_of_birth, 'Date of birth');
  if (!errors.date_of_birth) {
    if (!parseDate(p.date_of_birth)) errors.date_of_birth = 'must be a valid date';
    else if (p.date_of_birth > today()) errors.date_of_birth = 'cannot be in the future';
  }
  maxLength(errors, 'phone', p.phone, 20);
  if (p.blood_group && !(BLOOD_GROUPS as readonly string[]).includes(p.blood_group)) {
    errors.blood_group = `must be one of ${BLOOD_GROUPS.join(' ')}`;
  }
  return errors;
}

export interface AppointmentFields {
  patient_id: number | null;
  doctor_name: string;
  date: string;
  time: string;
  reason: string;
}

export function validateAppointment(a: AppointmentFields, now = new Date()): FieldErrors {
  const errors: FieldErrors = {};
  if (!a.patient_id) errors.patient_id = 'Choose a patient';
  required(errors, 'doctor_name', a.doctor_name, 'Doctor');
  maxLength(errors, 'doctor_name', a.doctor_name, 100);
  required(errors, 'date', a.date, 'Date');
  if (!errors.date && !parseDate(a.date)) errors.date = 'must be a valid date';
  required(errors, 'time', a.time, 'Time');
  if (!errors.date && !errors.time) {
    const when = /^\d{2}:\d{2}$/.test(a.time) ? clinicInstant(a.date, a.time) : new Date(NaN);
    if (Number.isNaN(when.getTime())) errors.time = 'must be a valid time';
    else if (when.getTime() < now.getTime()) errors.time = 'cannot be in the past';
  }
  return errors;
}

export interface RepeatFields {
  repeat: string;
  date: string;
  ends: 'count' | 'until';
  count: string;
  until: string;
}

/** The repeat options of a booking: 2 to 52 times, or a last date after the first. */
export function validateRepeat(r: RepeatFields): FieldErrors {
  const errors: FieldErrors = {};
  if (!r.repeat) return errors;
  if (r.ends === 'count') {
    const n = Number(r.count);
    if (!Number.isInteger(n) || n < 2 || n > 52) errors.count = 'must be from 2 to 52';
  } else if (!parseDate(r.until)) errors.until = 'Last date is required';
  else if (r.date && r.until <= r.date) errors.until = 'must be after the first date';
  return errors;
}

export interface RecordFields {
  patient_id: number | null;
  diagnosis: string;
  doctor_name: string;
  prescription: string;
  record_date: string;
  notes: string;
}

export function validateRecord(r: RecordFields): FieldErrors {
  const errors: FieldErrors = {};
  if (!r.patient_id) errors.patient_id = 'Choose a patient';
  required(errors, 'diagnosis', r.diagnosis, 'Diagnosis');
  required(errors, 'doctor_name', r.doctor_name, 'Doctor');
  maxLength(errors, 'doctor_name', r.doctor_name, 100);
  if (r.record_date && !parseDate(r.record_date)) errors.record_date = 'must be a valid date';
  return errors;
}

export interface UserFields {
  email: string;
  name: string;
  role: string;
  password: string;
}

export function validateUser(u: UserFields): FieldErrors {
  const errors: FieldErrors = {};
  required(errors, 'name', u.name, 'Name');
  required(errors, 'email', u.email, 'Email');
  if (!errors.email && !EMAIL.test(u.email.trim())) errors.email = 'must be a valid email address';
  if (!u.role) errors.role = 'Choose a role';
  if (u.password.length < 12) errors.password = 'must be at least 12 characters';
  else if (u.password.trim().toLowerCase() === u.email.trim().toLowerCase()) {
    errors.password = 'must not be the email address';
  }
  return errors;
}

export const hasErrors = (errors: FieldErrors) => Object.keys(errors).length > 0;
