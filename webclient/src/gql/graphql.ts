/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Why a mutation refused its input (a userError's code); nothing was written. */
export type ErrorCode =
  /** The customer's credit code is CREDIT_HOLD: no new orders. */
  | 'CREDIT_HOLD'
  /** The value must be unique and is taken (numbers and codes regardless of case). */
  | 'DUPLICATE'
  /** The user's role may not make this write. */
  | 'FORBIDDEN'
  /** The value breaks a rule of its field (a format, a range, a length). */
  | 'INVALID'
  /** The record's state may not move to the one asked for. */
  | 'INVALID_TRANSITION'
  /** No record with that id (or number), or none the user may see. */
  | 'NOT_FOUND'
  /** The application would take more than the payment's unapplied amount or the invoice's balance due. */
  | 'OVER_APPLIED'
  /** A value must be given. */
  | 'REQUIRED'
  /** `expectedVersion` is not the record's version: someone changed it since it was read. Read it again. */
  | 'STALE_VERSION';

/** What a user may do; an API token acts with its owner's role. */
export type Role =
  /** Everything, users and API tokens included. */
  | 'ADMIN'
  /** Everything but users: sees costs and margins, approves orders, bulk updates and reverts. */
  | 'MANAGER'
  /** Reads all but costs and margins; writes the customers they are a sales rep of, with their locations, contacts, leads and orders; adds notes anywhere. */
  | 'SALES_REP'
  /** Reads all but costs and margins; writes nothing. */
  | 'VIEWER';

export type ViewerFieldsFragment = { id: string, name: string, email: string, role: Role };

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { id: string, name: string, email: string, role: Role } | null };

export type LoginMutationVariables = Exact<{
  email: string;
  password: string;
}>;


export type LoginMutation = { login: { user: { id: string, name: string, email: string, role: Role } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: ErrorCode }> } };

export type LogoutMutationVariables = Exact<{ [key: string]: never; }>;


export type LogoutMutation = { logout: boolean };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const ViewerFieldsFragmentDoc = new TypedDocumentString(`
    fragment ViewerFields on User {
  id
  name
  email
  role
}
    `, {"fragmentName":"ViewerFields"}) as unknown as TypedDocumentString<ViewerFieldsFragment, unknown>;
export const ViewerDocument = new TypedDocumentString(`
    query Viewer {
  viewer {
    ...ViewerFields
  }
}
    fragment ViewerFields on User {
  id
  name
  email
  role
}`) as unknown as TypedDocumentString<ViewerQuery, ViewerQueryVariables>;
export const LoginDocument = new TypedDocumentString(`
    mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    user {
      ...ViewerFields
    }
    userErrors {
      field
      message
      code
    }
  }
}
    fragment ViewerFields on User {
  id
  name
  email
  role
}`) as unknown as TypedDocumentString<LoginMutation, LoginMutationVariables>;
export const LogoutDocument = new TypedDocumentString(`
    mutation Logout {
  logout
}
    `) as unknown as TypedDocumentString<LogoutMutation, LogoutMutationVariables>;