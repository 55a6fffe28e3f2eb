/**
 * The confirmation screen of the logout actions. It asks the server what would happen (GET:
 * who, how many sessions, who is skipped), shows it, and only the confirm button POSTs.
 * Bundled by AdminJS's ComponentLoader; never imported by Node.
 */
import {
  Box,
  Button,
  DrawerContent,
  DrawerFooter,
  Icon,
  Loader,
  MessageBox,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Text,
} from '@adminjs/design-system'
import { ActionHeader, ApiClient, useNotice, useTranslation, type ActionProps } from 'adminjs'
import React, { useEffect, useState } from 'react'
import { useNavigate } from 'react-router'
// Type only: erased before AdminJS bundles this file, so nothing server-side reaches the browser.
import type { LogoutSummary as Summary } from '../types.js'

interface ActionData {
  singleSession?: Summary
  notice?: Parameters<ReturnType<typeof useNotice>>[0]
  redirectUrl?: string
}

const SingleSessionConfirm: React.FC<ActionProps> = (props) => {
  const { action, resource, record, records } = props
  const { translateButton, translateLabel, translateMessage } = useTranslation()
  const addNotice = useNotice()
  const navigate = useNavigate()
  const [summary, setSummary] = useState<Summary | null>(null)
  const [failed, setFailed] = useState<string | null>(null)
  const [sending, setSending] = useState(false)

  const call = async (method: 'get' | 'post'): Promise<ActionData> => {
    const api = new ApiClient()
    const base = { resourceId: resource.id, actionName: action.name, method }
    const data = method === 'post' ? {} : undefined
    const response =
      action.actionType === 'bulk'
        ? await api.bulkAction({ ...base, recordIds: (records ?? []).map((r) => r.id), data })
        : await api.recordAction({ ...base, recordId: record?.id ?? '', data })
    return response.data
  }

  useEffect(() => {
    call('get').then(
      (data) => {
        if (data.singleSession) setSummary(data.singleSession)
        else setFailed(translateMessage('errorFetchingRecords', resource.id))
      },
      () => setFailed(translateMessage('errorFetchingRecords', resource.id)),
    )
    // The selection is fixed for the life of this screen: fetch once.
  }, [])

  const confirm = (): void => {
    setSending(true)
    call('post').then(
      (data) => {
        setSending(false)
        if (data.notice) addNotice(data.notice)
        if (data.singleSession?.self && data.redirectUrl) {
          // Our own session has just ended: the panel must load the login page for real.
          window.location.assign(data.redirectUrl)
        } else if (data.redirectUrl) {
          navigate(data.redirectUrl)
        }
      },
      () => {
        setSending(false)
        setFailed(translateMessage('errorFetchingRecords', resource.id))
      },
    )
  }

  if (failed) return <MessageBox variant="danger" message={failed} />
  if (!summary) return <Loader />

  return (
    <>
      <DrawerContent>
        {action.showInDrawer ? <ActionHeader omitActions {...props} /> : null}
        <MessageBox
          mb="xl"
          variant={summary.canProceed ? 'warning' : 'danger'}
          data-testid="single-session-summary"
        >
          <Text>{summary.text}</Text>
        </MessageBox>
        {summary.targets.length > 0 ? (
          <Table mb="xl" data-testid="single-session-targets">
            <TableHead>
              <TableRow>
                <TableCell>{translateLabel('logoutTargets', resource.id)}</TableCell>
                <TableCell>{translateLabel('logoutSessions', resource.id)}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {summary.targets.map((target) => (
                <TableRow key={target.id}>
                  <TableCell>{target.label}</TableCell>
                  <TableCell>{target.sessions}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        ) : null}
        {summary.skipped.length > 0 ? (
          <Box mb="xl" data-testid="single-session-skipped">
            <Text fontWeight="bold">{translateLabel('logoutSkipped', resource.id)}</Text>
            {summary.skipped.map((target) => (
              <Text key={target.id}>{target.label}</Text>
            ))}
          </Box>
        ) : null}
      </DrawerContent>
      <DrawerFooter>
        <Button
          variant="contained"
          color="danger"
          size="lg"
          onClick={confirm}
          disabled={sending || !summary.canProceed}
          data-testid="single-session-confirm"
        >
          {sending ? <Icon icon="Loader" spin /> : null}
          {translateButton('confirmLogoutAllSessions', resource.id)}
        </Button>
      </DrawerFooter>
    </>
  )
}

export default SingleSessionConfirm
