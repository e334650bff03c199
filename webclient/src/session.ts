// The signed-in user, shared by every screen: undefined until asked, null when nobody is.
import { signal } from "@preact/signals";
import { request, type Result } from "./api/graphql";
import { graphql } from "./gql";
import type { ViewerFieldsFragment } from "./gql/graphql";

export type Viewer = ViewerFieldsFragment;
export const viewer = signal<Viewer | null | undefined>(undefined);

graphql(`
  fragment ViewerFields on User {
    id
    name
    email
    role
  }
`);

const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      ...ViewerFields
    }
  }
`);

const LoginMutation = graphql(`
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
`);

const LogoutMutation = graphql(`
  mutation Logout {
    logout
  }
`);

export async function loadViewer(): Promise<void> {
  const result = await request(ViewerQuery);
  if (result.ok) viewer.value = result.data.viewer;
}

export async function signIn(email: string, password: string): Promise<Result<unknown>> {
  const result = await request(LoginMutation, { email, password });
  if (result.ok) viewer.value = result.data.login.user;
  return result;
}

export async function signOut(): Promise<Result<unknown>> {
  const result = await request(LogoutMutation);
  if (result.ok) viewer.value = null;
  return result;
}

/** "SALES_REP" → "Sales rep". */
export const roleLabel = (role: string) => role.charAt(0) + role.slice(1).toLowerCase().replace(/_/g, " ");
